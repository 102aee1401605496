package io.tekton.penia.it.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Alerts fire once per threshold and period; breakers open, block and reset; warn mode. */
@PeniaServerTest
class AlertsAndBreakerTest {
    @PeniaServerTest.Clock
    static MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
    static TestServer t;
    static PeniaClient penia;

    static String budget(String component, Map<String, Object> limits, String enforcement, int warning, int stop) {
        return penia.createBudget(Map.of("name", component, "scope", Map.of("component", component),
                "limits", limits, "enforcement", enforcement, "warning_percent", warning, "stop_percent", stop));
    }

    static JsonNode record(String component, String cost) {
        return penia.record(PeniaClient.usage(component, "openai", "gpt-4o", 1, 1, cost));
    }

    static JsonNode check(String component, String cost) {
        return penia.check(component, cost);
    }

    static List<JsonNode> alerts(String budgetId) {
        List<JsonNode> out = new ArrayList<>();
        t.get("/api/v1/alerts?limit=1000&budget_id=" + budgetId).body().get("items").forEach(out::add);
        return out;
    }

    static Map<String, Integer> countByType(List<JsonNode> alerts) {
        Map<String, Integer> m = new HashMap<>();
        for (JsonNode a : alerts) {
            String k = a.get("alert_type").asText() + ":" + a.get("threshold_percent").asText();
            m.merge(k, 1, Integer::sum);
        }
        return m;
    }

    @Tag("slow")
    @Test
    void tenThousandRecordsCrossingEveryThreshold_fireEachExactlyOnce_andANewPeriodFiresAgain() throws Exception {
        String c = "once-" + UUID.randomUUID();
        String id = budget(c, Map.of("monthly", 10), "warn", 80, 95);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            fs.add(pool.submit(() -> record(c, "0.0011")));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        List<JsonNode> all = alerts(id);
        assertThat(countByType(all)).containsOnly(
                Map.entry("threshold:70", 1), Map.entry("warning_threshold:80", 1), Map.entry("threshold:90", 1),
                Map.entry("stop_threshold:95", 1), Map.entry("threshold:100", 1), Map.entry("budget_exceeded:null", 1));
        assertThat(all).allMatch(a -> a.get("period").asText().equals("monthly"));
        // The same evaluation again (explicit check): repeats are suppressed and counted, not raised.
        TestServer.Resp chk = t.post("/api/v1/budget-alerts/check", Map.of());
        assertThat(chk.get("alerts_raised")).isEmpty();
        assertThat(alerts(id)).hasSize(6);
        JsonNode history = t.get("/api/v1/budget-alerts/alerts/history?budget_id=" + id).body();
        assertThat(history.get("alerts")).hasSize(6);
        assertThat(history.get("suppressed_in_page").asLong()).isEqualTo(6);
        // Next month: the period rolls over and the first threshold fires again, once.
        clock.set(Instant.parse("2026-12-01T00:00:00Z"));
        for (int i = 0; i < 10; i++) {
            record(c, "0.75");
        }
        Map<String, Integer> after = countByType(alerts(id));
        assertThat(after.get("threshold:70")).isEqualTo(2);
        assertThat(after.get("warning_threshold:80")).isEqualTo(1);
        clock.set(Instant.parse("2026-11-20T10:00:00Z"));
    }

    @Test
    void blockedOperations_raiseOneAlertPerCooldown_andRepeatsAreCounted() {
        String c = "cooldown-" + UUID.randomUUID();
        String id = budget(c, Map.of("daily", 1), "block", 80, 95);
        for (int i = 0; i < 5; i++) {
            assertThat(check(c, "2").get("decision").asText()).isEqualTo("block");
        }
        List<JsonNode> blocked = alerts(id).stream().filter(a -> a.get("alert_type").asText().equals("operation_blocked")).toList();
        assertThat(blocked).hasSize(1);
        assertThat(blocked.getFirst().get("suppressed_count").asLong()).isGreaterThanOrEqualTo(4);
        clock.set(clock.instant().plusSeconds(3601));
        check(c, "2");
        assertThat(alerts(id).stream().filter(a -> a.get("alert_type").asText().equals("operation_blocked"))).hasSize(2);
        clock.set(Instant.parse("2026-11-20T10:00:00Z"));
    }

    @Test
    void breaker_opensAtStop_blocksEvenZeroCost_resetsAtPeriodEnd_andByAdmin() {
        MutableClock c0 = clock;
        c0.set(Instant.parse("2026-11-21T08:00:00Z"));
        String c = "breaker-" + UUID.randomUUID();
        String id = budget(c, Map.of("daily", 1), "block", 80, 100);
        assertThat(check(c, "0").get("decision").asText()).isEqualTo("allow");
        record(c, "1.00");
        JsonNode blocked = check(c, "0");
        assertThat(blocked.get("decision").asText()).isEqualTo("block");
        assertThat(blocked.get("reasons").toString()).contains("circuit breaker open");
        JsonNode status = t.get("/api/v1/budget-alerts/unified/status").body();
        assertThat(status.get("breakers").toString()).contains("\"budget_id\":\"" + id + "\",\"period\":\"daily\",\"state\":\"open\"");
        // The period rolls over at local midnight: the breaker closes.
        c0.set(Instant.parse("2026-11-22T00:00:00Z"));
        assertThat(check(c, "0.5").get("decision").asText()).isEqualTo("allow");
        record(c, "1.00");
        assertThat(check(c, "0").get("decision").asText()).isEqualTo("block");
        // An admin reset closes it; the budget is at exactly 100 %, so a zero-cost call passes.
        TestServer.Resp reset = t.post("/api/v1/budget-alerts/breakers/" + id + "/reset", Map.of());
        assertThat(reset.status()).isEqualTo(200);
        assertThat(check(c, "0").get("decision").asText()).isNotEqualTo("block");
        assertThat(check(c, "0.01").get("decision").asText()).isEqualTo("block");
        assertThat(t.post("/api/v1/budget-alerts/breakers/nope/reset", Map.of()).status()).isEqualTo(404);
        c0.set(Instant.parse("2026-11-20T10:00:00Z"));
    }

    @Test
    void warnModeBudget_warnsButNeverBlocks_whileABlockFromEitherMonitorBlocks() {
        String c = "warnmode-" + UUID.randomUUID();
        budget(c, Map.of("monthly", 1), "warn", 80, 95);
        record(c, "5.00");
        JsonNode w = check(c, "1");
        assertThat(w.get("decision").asText()).isEqualTo("warn");
        assertThat(w.get("allowed").asBoolean()).isTrue();
        // A second, blocking budget on the same component: its stop (realtime) blocks.
        TestServer.Resp b = t.post("/api/v1/budgets", Map.of("name", "hard", "scope", Map.of("component", c),
                "limits", Map.of("monthly", 100), "enforcement", "block", "warning_percent", 50, "stop_percent", 60));
        assertThat(b.status()).isEqualTo(201);
        JsonNode blocked = check(c, "56");
        assertThat(blocked.get("decision").asText()).isEqualTo("block");
        assertThat(blocked.get("reasons").toString()).contains("\"monitor\":\"realtime\",\"spent\":5");
    }

    @Test
    void thresholdsSetOnce_areSeenByBothMonitors() {
        String c = "shared-cfg-" + UUID.randomUUID();
        String id = budget(c, Map.of("monthly", 10), "block", 80, 95);
        TestServer.Resp put = t.put("/api/v1/budgets/" + id + "/alerts", Map.of("thresholds", List.of(50),
                "warning_percent", 60, "stop_percent", 70));
        assertThat(put.status()).as(put.raw()).isEqualTo(200);
        record(c, "6.5");
        JsonNode d = check(c, "0.1");
        assertThat(d.get("decision").asText()).isEqualTo("warn");
        assertThat(check(c, "0.6").get("decision").asText()).isEqualTo("block");
        Map<String, Integer> types = countByType(alerts(id));
        assertThat(types).containsKeys("threshold:50", "warning_threshold:60");
    }
}
