package io.tekton.penia.it.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.it.ws.WebSocketTest;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Issue 25 through the real server: the forecast beside {@code projected} in summaries,
 * unified status, MCP {@code get_budget_status} and the assistant context; projected_overrun
 * alerts once per period unless the projection worsens by the configured step; spend_spike
 * alerts with baseline, observed rate and factor; first-spend notices. The clock is moved by
 * hand; records without a timestamp take the server's time.
 */
class ForecastAlertsTest {
    TestServer t;
    MutableClock clock;

    void start(Map<String, String> env) {
        clock = new MutableClock(Instant.parse("2027-03-10T12:00:00Z"));
        t = TestServer.start(env, clock);
    }

    @AfterEach
    void down() {
        if (t != null) {
            t.close();
        }
    }

    String budget(String component, String monthly, boolean forecastAlerts) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", component);
        body.put("scope", Map.of("component", component));
        body.put("limits", Map.of("monthly", new BigDecimal(monthly)));
        body.put("cooldown_seconds", 0);
        body.put("forecast_alerts", forecastAlerts);
        TestServer.Resp r = t.post("/api/v1/budgets", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        assertThat(r.get("forecast_alerts").asBoolean()).isEqualTo(forecastAlerts);
        return r.get("budget_id").asText();
    }

    void record(String component, String model, String cost) {
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", component, "provider", "openai",
                "model", model, "input_tokens", 10, "output_tokens", 10, "cost", new BigDecimal(cost)));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    /** $1 an hour for five hours: a recent rate of $1/h, about $520 by the end of March. */
    void hourly(String component, String cost, int hours) {
        for (int i = 0; i < hours; i++) {
            record(component, "gpt-4o", cost);
            clock.advance(Duration.ofHours(1));
        }
    }

    List<JsonNode> alerts(String type) {
        List<JsonNode> out = new ArrayList<>();
        t.get("/api/v1/alerts?limit=1000").body().get("items").forEach(a -> {
            if (a.get("alert_type").asText().equals(type)) {
                out.add(a);
            }
        });
        return out;
    }

    @Test
    void forecast_shownInSummaryStatusMcpAndAssistantContext() {
        start(Map.of());
        String id = budget("fc-view", "100", false);
        hourly("fc-view", "1", 5);

        JsonNode monthly = t.get("/api/v1/budgets/" + id + "/summary").body().get("periods").get("monthly");
        JsonNode f = monthly.get("forecast");
        assertThat(monthly.has("projected")).isTrue();
        assertThat(f.get("method").asText()).isEqualTo("recent_rate");
        assertThat(f.get("interval_percent").asInt()).isEqualTo(80);
        BigDecimal expected = f.get("expected").decimalValue();
        // $5 spent, then about $1/h for the ~507 hours left in March.
        assertThat(expected).isBetween(new BigDecimal("400"), new BigDecimal("650"));
        assertThat(f.get("low").decimalValue()).isLessThanOrEqualTo(expected);
        assertThat(f.get("high").decimalValue()).isGreaterThanOrEqualTo(expected);
        // The stop threshold ($95) is about 90 hours away.
        Instant stopAt = Instant.parse(f.get("stop_at").asText());
        assertThat(stopAt).isBetween(clock.instant().plus(Duration.ofHours(60)), clock.instant().plus(Duration.ofHours(130)));

        JsonNode status = t.get("/api/v1/budget-alerts/unified/status").body();
        JsonNode mine = null;
        for (JsonNode b : status.get("guardrail").get("budgets")) {
            if (b.get("budget_id").asText().equals(id)) {
                mine = b;
            }
        }
        assertThat(mine.get("monthly").get("forecast").get("expected").decimalValue()).isEqualByComparingTo(expected);

        try (McpSyncClient c = t.mcpClient()) {
            JsonNode viaMcp = Json.mapper().valueToTree(c.callTool(new McpSchema.CallToolRequest("get_budget_status",
                    Map.of("budget_id", id))).structuredContent());
            assertThat(viaMcp.get("periods").get("monthly").get("forecast").get("expected").decimalValue())
                    .isEqualByComparingTo(expected);
        }

        String prompt = t.get("/api/v1/assistant/context").body().get("system_prompt").asText();
        assertThat(prompt).contains("forecast $").contains("stop threshold reached at " + stopAt);

        // After a restart the profile is rebuilt from the ledger's rollups: the same method and figure.
        t.restart();
        JsonNode again = t.get("/api/v1/budgets/" + id + "/summary").body().get("periods").get("monthly").get("forecast");
        assertThat(again.get("method").asText()).isEqualTo("recent_rate");
        assertThat(again.get("expected").decimalValue()).isEqualByComparingTo(expected);
    }

    @Test
    void projectedOverrun_raisedOncePerPeriod_againOnlyWhenTheProjectionWorsensByTheStep() {
        start(Map.of());
        String on = budget("fc-on", "100", true);
        budget("fc-off", "100", false);
        hourly("fc-on", "1", 5);
        hourly("fc-off", "1", 5);

        JsonNode pushed;
        try (WebSocketTest.Client ws = WebSocketTest.Client.connect(URI.create("ws://127.0.0.1:" + t.port() + "/ws"),
                null)) {
            ws.subscribe("alerts");
            TestServer.Resp check = t.post("/api/v1/budget-alerts/check", Map.of());
            assertThat(check.status()).as(check.raw()).isEqualTo(200);
            pushed = ws.await(m -> m.path("type").asText().equals("alert")
                    && m.get("data").get("alert_type").asText().equals("projected_overrun")).get("data");
        }
        List<JsonNode> raised = alerts("projected_overrun");
        assertThat(raised).hasSize(1);
        JsonNode a = raised.getFirst();
        assertThat(a.get("budget_id").asText()).isEqualTo(on);
        assertThat(a.get("severity").asText()).isEqualTo("warning");
        assertThat(a.get("threshold_percent").asInt()).isEqualTo(95);
        assertThat(pushed.get("alert_id").asText()).as("the same alert over WebSocket").isEqualTo(a.get("alert_id").asText());
        assertThat(a.get("message").asText()).contains("projected to reach its stop threshold")
                .contains("before the period ends").contains("80% interval");

        // The same projection again: nothing new.
        clock.advance(Duration.ofMinutes(1));
        t.post("/api/v1/budget-alerts/check", Map.of());
        assertThat(alerts("projected_overrun")).hasSize(1);

        // Five times the burn for a few hours: the projection worsens by far more than 10 % of the limit.
        hourly("fc-on", "5", 4);
        t.post("/api/v1/budget-alerts/check", Map.of());
        List<JsonNode> after = alerts("projected_overrun");
        assertThat(after).hasSize(2);
        assertThat(after).extracting(x -> x.get("budget_id").asText()).containsOnly(on);
    }

    @Test
    void spendSpike_carriesBaselineObservedRateAndFactor_firstSpendNoticesAreInfo() {
        start(Map.of("PENIA_SPIKE_WARMUP_MINUTES", "10", "PENIA_FIRST_SPEND_NOTICE_AFTER_HOURS", "0"));
        for (int i = 0; i < 40; i++) {
            record("steady", "gpt-4o-mini", "0.10");
            record("tiny", "gpt-4o-mini", "0.001");
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(alerts("spend_spike")).as("no spike while steady").isEmpty();
        for (int i = 0; i < 4; i++) {
            record("steady", "gpt-4o-mini", "2.00");
            // Twenty times a tiny component's rate stays under the $0.50 floor.
            record("tiny", "gpt-4o-mini", "0.02");
            clock.advance(Duration.ofMinutes(1));
        }
        record("steady", "gpt-4o-mini", "0.10");

        List<JsonNode> spikes = alerts("spend_spike");
        assertThat(spikes).extracting(x -> x.get("message").asText())
                .anyMatch(m -> m.contains("component 'steady'") && m.contains("baseline $0.1000/min")
                        && m.contains("factor ") && m.contains("observed $"))
                .noneMatch(m -> m.contains("'tiny'"));
        assertThat(spikes).allMatch(x -> x.get("severity").asText().equals("warning") && x.get("budget_id").isNull());

        List<JsonNode> models = alerts("new_model");
        List<JsonNode> components = alerts("new_component");
        assertThat(models).extracting(x -> x.get("message").asText()).anyMatch(m -> m.contains("'gpt-4o-mini'"));
        assertThat(components).extracting(x -> x.get("message").asText())
                .anyMatch(m -> m.contains("'steady'")).anyMatch(m -> m.contains("'tiny'"));
        assertThat(components).hasSize(2);
        assertThat(models).hasSize(1);
        assertThat(models).allMatch(x -> x.get("severity").asText().equals("info"));
    }

    void record(String component, String taskType, String model, String cost) {
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", component, "task_type", taskType,
                "provider", "openai", "model", model, "input_tokens", 10, "output_tokens", 10,
                "cost", new BigDecimal(cost)));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    @Test
    void spendSpike_onOneTaskType_namesTheTaskType_whileItsSharedComponentAndModelStayQuiet() {
        start(Map.of("PENIA_SPIKE_WARMUP_MINUTES", "10"));
        for (int i = 0; i < 40; i++) {
            record("assistant", "chat", "gpt-4o-mini", "0.30");
            record("assistant", "code", "gpt-4o-mini", "0.02");
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(alerts("spend_spike")).as("no spike while steady").isEmpty();
        // The code task runs away at 20x; the component, provider and model it shares with chat move about 2.2x.
        for (int i = 0; i < 4; i++) {
            record("assistant", "chat", "gpt-4o-mini", "0.30");
            record("assistant", "code", "gpt-4o-mini", "0.40");
            clock.advance(Duration.ofMinutes(1));
        }
        record("assistant", "chat", "gpt-4o-mini", "0.30");

        List<String> spikes = alerts("spend_spike").stream().map(x -> x.get("message").asText()).toList();
        assertThat(spikes).as("one spike, on the task type")
                .singleElement().satisfies(m -> assertThat(m).startsWith("Spend spike on task_type 'code'")
                        // $0.02/min, nudged up by the first minute at 20x (the one-hour level before clipping starts).
                        .contains("baseline $0.02").contains("factor "));
        // The operator sees it as an ordinary anomaly cooldown key.
        JsonNode cooldowns = t.get("/api/v1/budget-alerts/unified/status").body();
        assertThat(cooldowns.toString()).contains("anomaly|spend_spike|task_type|code");
    }

    @Test
    void settings_fromEnvironment_badValuesListedAtStart() {
        Path shipped = Path.of(TestServer.repoRoot(), "config", "penia.yaml");
        PeniaConfig c = ConfigLoader.load(shipped, Map.of("PENIA_SPIKE_FACTOR", "5", "PENIA_SPIKE_MIN_SPEND_USD", "2.5",
                "PENIA_ANOMALY_ALERTS", "off", "PENIA_FORECAST_ALERT_STEP_PERCENT", "25"));
        assertThat(c.engine().anomaly().spikeFactor()).isEqualTo(5.0);
        assertThat(c.engine().anomaly().minSpendMicros()).isEqualTo(2_500_000);
        assertThat(c.engine().anomaly().enabled()).isFalse();
        assertThat(c.engine().forecast().alertStepPercent()).isEqualTo(25);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(shipped,
                Map.of("PENIA_SPIKE_FACTOR", "0.5", "PENIA_ANOMALY_ALERTS", "maybe", "PENIA_SPIKE_MIN_SPEND_USD", "abc")));
        assertThat(e.problems()).hasSize(3).anyMatch(p -> p.startsWith("engine.spike_factor (PENIA_SPIKE_FACTOR)"))
                .anyMatch(p -> p.startsWith("PENIA_ANOMALY_ALERTS"))
                .anyMatch(p -> p.startsWith("engine.spike_min_spend_usd (PENIA_SPIKE_MIN_SPEND_USD)"));
    }
}
