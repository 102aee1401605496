package io.tekton.penia.it.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.PeniaLogging;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Logs a person can use (issue 20, item 3): the real server's log output on standard error,
 * here with {@code PENIA_LOG_FORMAT=json} and the access log on. A budget driven to 120 % writes
 * one line per event with its numbers (alerts, breaker opened, check blocked, breaker closed), a
 * hold that expires, a price change, a key created and revoked; every line is one JSON object;
 * the start-up summary comes before any library's line; no secret is written.
 */
class LoggingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
    static PrintStream originalErr;
    static TestServer t;

    @BeforeAll
    static void up() {
        originalErr = System.err;
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (CAPTURED) {
                    CAPTURED.write(b);
                }
                originalErr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (CAPTURED) {
                    CAPTURED.write(b, off, len);
                }
                originalErr.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        PeniaLogging.configure(Map.of("PENIA_LOG_FORMAT", "json", "PENIA_LOG_LEVEL", "info", "PENIA_ACCESS_LOG", "on"));
        t = TestServer.start();
    }

    @AfterAll
    static void down() {
        t.close();
        PeniaLogging.reset();
        System.setErr(originalErr);
    }

    /** Every line written so far, each parsed as one JSON object (a line that is not fails the test). */
    static List<JsonNode> lines() {
        String all;
        synchronized (CAPTURED) {
            all = CAPTURED.toString(StandardCharsets.UTF_8);
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : all.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                assertThat(n.isObject()).as(line).isTrue();
                out.add(n);
            } catch (java.io.IOException e) {
                throw new AssertionError("not one JSON object per line: " + line, e);
            }
        }
        return out;
    }

    static String msg(JsonNode n) {
        return n.path("formattedMessage").asText();
    }

    /** Waits (the appender is asynchronous) for a line of {@code logger} whose message passes {@code p}. */
    static JsonNode awaitLine(String logger, Predicate<String> p, String what) {
        JsonNode[] hit = new JsonNode[1];
        await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (JsonNode n : lines()) {
                if (n.path("loggerName").asText().equals(logger) && p.test(msg(n))) {
                    hit[0] = n;
                    return true;
                }
            }
            return false;
        });
        return hit[0];
    }

    static String uniq(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static final String EVENTS = PeniaLogging.EVENTS;

    @Test
    void startup_printsPenias_summary_beforeAnyLibraryLine() {
        JsonNode listening = awaitLine("io.tekton.penia.server.PeniaServer", m -> m.contains("listening on http://"),
                "listening line");
        assertThat(msg(listening)).contains("database ").contains(t.dbFile().toString());
        JsonNode ready = awaitLine("io.tekton.penia.server.PeniaServer", m -> m.startsWith("Penia ready: "), "summary");
        assertThat(msg(ready)).contains("budgets").contains("Hermes off").contains("log format json");
        List<JsonNode> all = lines();
        int first = all.indexOf(listening);
        for (int i = 0; i < first; i++) {
            assertThat(all.get(i).path("loggerName").asText()).as(all.get(i).toString())
                    .doesNotStartWith("io.helidon").doesNotStartWith("com.zaxxer").doesNotStartWith("org.flywaydb");
        }
        assertThat(all.get(0).path("level").asText()).isNotEmpty();
        assertThat(all.get(0).has("timestamp")).isTrue();
    }

    /** A $10 monthly budget named after its component; its id. */
    static String monthlyBudget(String component) {
        return PeniaClient.of(t).createBudget(Map.of("name", component, "scope", Map.of("component", component),
                "limits", Map.of("monthly", new BigDecimal("10"))));
    }

    @Test
    void budgetTo120Percent_logsAlertsBreakerAndBlockedCheck_withTheNumbers() {
        String c = uniq("logs");
        String id = monthlyBudget(c);
        for (String cost : List.of("5", "4", "3")) {
            PeniaClient.of(t).record(PeniaClient.usage(c, "openai", "gpt-4o", 10, 1, cost));
        }
        TestServer.Resp chk = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "provider", "openai", "model", "gpt-4o", "estimated_cost", new BigDecimal("0.5")));
        assertThat(chk.get("decision").asText()).isEqualTo("block");

        String opened = msg(awaitLine(EVENTS, m -> m.startsWith("breaker opened: budget " + id), "breaker opened"));
        assertThat(opened).matches(".* monthly spent \\$12(\\.0*)? of \\$10(\\.0*)? \\(120\\.0%\\).*");
        String blocked = msg(awaitLine(EVENTS, m -> m.startsWith("check blocked: component=" + c), "check blocked"));
        assertThat(blocked).contains("provider=openai", "model=gpt-4o", "estimate=$0.5", "budget " + id + " monthly")
                .containsPattern("spent \\$12(\\.0*)? held \\$0(\\.0*)? of \\$10(\\.0*)?");
        awaitLine(EVENTS, m -> m.startsWith("alert ") && m.contains("budget " + id) && m.contains("100%"), "100 % alert");
        long alerts = lines().stream().filter(n -> msg(n).startsWith("alert ") && msg(n).contains("budget " + id)).count();
        List<JsonNode> stored = new ArrayList<>();
        t.get("/api/v1/alerts?limit=1000&budget_id=" + id).get("items").forEach(stored::add);
        assertThat(alerts).as("one line per alert raised").isEqualTo(stored.size()).isGreaterThanOrEqualTo(3);

        TestServer.Resp reset = t.post("/api/v1/budget-alerts/breakers/" + id + "/reset", Map.of());
        assertThat(reset.status()).as(reset.raw()).isEqualTo(200);
        assertThat(msg(awaitLine(EVENTS, m -> m.startsWith("breaker closed: budget " + id), "breaker closed")))
                .matches(".* monthly spent \\$12(\\.0*)? of \\$10(\\.0*)? \\(120\\.0%\\).*");
        // The access log: one line per request, by path and status.
        awaitLine(PeniaLogging.ACCESS, m -> m.contains("POST /api/v1/budget-alerts/breakers/" + id + "/reset 200 "),
                "access line");
    }

    @Test
    void aDeliveryRefusedForGood_isLoggedOnce_andCountedInMetrics() {
        String c = uniq("hook");
        String id = monthlyBudget(c);
        // Penia itself answers 404 at this path: a status that is not retried.
        TestServer.Resp set = t.put("/api/v1/budgets/" + id + "/alerts", Map.of("thresholds", List.of(50),
                "channels", List.of(Map.of("type", "webhook", "url", t.base() + "/no-such-hook"))));
        assertThat(set.status()).as(set.raw()).isEqualTo(200);
        PeniaClient.of(t).record(PeniaClient.usage(c, "openai", "gpt-4o", 1, 1, "6"));
        String line = msg(awaitLine("io.tekton.penia.server.alerts.AlertDispatcher",
                m -> m.startsWith("alert delivery failed for good: ") && m.contains("/no-such-hook"), "delivery failed"));
        assertThat(line).contains("HTTP 404", "attempt 1/");
        await().atMost(Duration.ofSeconds(10)).until(() -> t.get("/metrics").raw()
                .contains("penia_alert_deliveries_total{channel=\"webhook\",outcome=\"failed\"} 1"));
    }

    @Test
    void holdExpired_priceChanged_keyCreatedAndRevoked_areLogged_andNoSecretIs() {
        String c = uniq("hold");
        TestServer.Resp hold = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "estimated_cost", new BigDecimal("0.75"), "reserve", true, "reservation_ttl_seconds", 1));
        assertThat(hold.status()).as(hold.raw()).isEqualTo(200);
        String res = hold.get("reservation_id").asText();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                lines().stream().anyMatch(n -> msg(n).startsWith("hold expired: " + res)));
        assertThat(lines().stream().map(LoggingTest::msg).filter(m -> m.startsWith("hold expired: " + res)).findFirst())
                .get().asString().contains("$0.75", "component=" + c);

        String model = uniq("model");
        TestServer.Resp put = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 2, "output_per_million", 10));
        assertThat(put.status()).as(put.raw()).isEqualTo(200);
        assertThat(msg(awaitLine(EVENTS, m -> m.startsWith("price changed: acme/" + model), "price changed")))
                .contains("input per token (new) -> 0.000002", "output per token (new) -> 0.00001");

        TestServer.Resp key = t.post("/api/v1/keys", Map.of("name", "logs test", "role", "component", "component", c));
        assertThat(key.status()).as(key.raw()).isEqualTo(201);
        String keyId = key.get("key_id").asText();
        String secret = key.get("secret").asText();
        awaitLine(EVENTS, m -> m.startsWith("api key created: " + keyId) && m.contains("component " + c), "key created");
        assertThat(t.post("/api/v1/keys/" + keyId + "/revoke", Map.of()).status()).isEqualTo(200);
        awaitLine(EVENTS, m -> m.startsWith("api key revoked: " + keyId), "key revoked");
        String all;
        synchronized (CAPTURED) {
            all = CAPTURED.toString(StandardCharsets.UTF_8);
        }
        assertThat(all).doesNotContain(secret);
    }
}
