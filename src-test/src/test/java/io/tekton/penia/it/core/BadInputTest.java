package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad requests get a 4xx with the one error envelope, never a 500, and write nothing: the
 * ledger and the budget list read back unchanged (SPEC §3 "Errors").
 */
@PeniaServerTest
class BadInputTest {
    static TestServer t;
    String component;
    String budgetId;
    long ledgerBefore;
    List<String> budgetsBefore;

    /** Each test has its own budget whose scope a bad record would have counted against. */
    @BeforeEach
    void budgetAndSnapshot() {
        component = uniq("bad");
        budgetId = Ledger.componentBudget(t, component, Map.of("daily", "10", "monthly", "100"));
        ledgerBefore = ledgerCount();
        budgetsBefore = budgetList();
    }

    /** Nothing was written, and the server still answers. */
    @AfterEach
    void nothingWrittenAndStillHealthy() {
        assertThat(ledgerCount()).as("ledger rows").isEqualTo(ledgerBefore);
        assertThat(Ledger.rows(t, component)).isEmpty();
        assertThat(budgetList()).as("budgets").isEqualTo(budgetsBefore);
        Ledger.assertUsd(Ledger.period(t, budgetId, "monthly").get("spent"), "0");
        TestServer.Resp h = t.get("/health");
        assertThat(h.status()).as(h.raw()).isEqualTo(200);
        assertThat(h.get("database").asText()).isEqualTo("connected");
    }

    static long ledgerCount() {
        return Ledger.rows(t, "", 1000).size();
    }

    static List<String> budgetList() {
        List<String> out = new ArrayList<>();
        t.get("/api/v1/budgets").body().get("items").forEach(b -> out.add(b.toString()));
        return out;
    }

    Map<String, Object> good() {
        return PeniaClient.usage(component, "openai", "gpt-4o", 100, 50, "0.5");
    }

    Map<String, Object> good(String field, Object value) {
        Map<String, Object> b = good();
        b.put(field, value);
        return b;
    }

    Map<String, Object> without(String field) {
        Map<String, Object> b = good();
        b.remove(field);
        return b;
    }

    static JsonNode rejectRecord(Object body, int status, String code) {
        return assertError(t.post("/api/v1/usage/record", body), status, code);
    }

    static JsonNode rejectRecordRaw(String raw, int status, String code) {
        return assertError(t.postRaw("/api/v1/usage/record", raw), status, code);
    }

    static String field(JsonNode error) {
        return error.get("details").path("field").asText();
    }

    @Test
    void record_malformedJson_isBadJsonAndNotLedgered() {
        rejectRecordRaw("{\"component\": \"" + component + "\", \"input_tokens\": ", 400, "bad_json");
        rejectRecordRaw("{component: 1}", 400, "bad_json");
        rejectRecordRaw("{\"component\": \"x\"} trailing", 400, "bad_json");
        rejectRecordRaw("not json at all", 400, "bad_json");
        rejectRecordRaw("{\"a\":\"\\uZZZZ\"}", 400, "bad_json");
    }

    @Test
    void record_jsonArrayOrScalarBody_isInvalidAndNotLedgered() {
        rejectRecordRaw("[" + TestServer.json(good()) + "]", 400, "invalid_argument");
        rejectRecordRaw("42", 400, "invalid_argument");
        rejectRecordRaw("\"text\"", 400, "invalid_argument");
    }

    @Test
    void record_wrongTypes_areInvalidAndNotLedgered() {
        assertThat(field(rejectRecord(good("input_tokens", "100"), 400, "invalid_argument"))).isEqualTo("input_tokens");
        assertThat(field(rejectRecord(good("component", 42), 400, "invalid_argument"))).isEqualTo("component");
        assertThat(field(rejectRecord(good("output_tokens", 1.5), 400, "invalid_argument"))).isEqualTo("output_tokens");
        assertThat(field(rejectRecord(good("output_tokens", true), 400, "invalid_argument"))).isEqualTo("output_tokens");
        assertThat(field(rejectRecord(good("cost", "0.5"), 400, "invalid_argument"))).isEqualTo("cost");
        assertThat(field(rejectRecord(good("model", List.of("gpt-4o")), 400, "invalid_argument"))).isEqualTo("model");
        assertThat(field(rejectRecord(good("provider", Map.of("name", "openai")), 400, "invalid_argument")))
                .isEqualTo("provider");
        assertThat(field(rejectRecord(good("request_id", 7), 400, "invalid_argument"))).isEqualTo("request_id");
    }

    @Test
    void record_negativeTokensOrCost_areInvalidAndNotLedgered() {
        assertThat(field(rejectRecord(good("input_tokens", -1), 400, "invalid_argument"))).isEqualTo("input_tokens");
        assertThat(field(rejectRecord(good("output_tokens", -100), 400, "invalid_argument"))).isEqualTo("output_tokens");
        assertThat(field(rejectRecord(good("reasoning_tokens", -1), 400, "invalid_argument")))
                .isEqualTo("reasoning_tokens");
        assertThat(field(rejectRecord(good("cost", new BigDecimal("-0.01")), 400, "invalid_argument")))
                .isEqualTo("cost");
        assertThat(field(rejectRecord(good("cost", new BigDecimal("-0.0000001")), 400, "invalid_argument")))
                .isEqualTo("cost");
        rejectRecord(good("input_tokens", new BigDecimal("1e30")), 400, "invalid_argument");
        rejectRecord(good("cost", new BigDecimal("1e20")), 400, "invalid_argument");
    }

    @Test
    void anyAmount_extremeExponent_isInvalidFastAndNeverA500() {
        String model = uniq("extreme-model");
        for (String n : List.of("1e999999999", "1E+400", "-1e-999999999")) {
            long t0 = System.nanoTime();
            rejectRecordRaw("{\"component\":\"" + component + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                    + "\"input_tokens\":1,\"output_tokens\":1,\"cost\":" + n + "}", 400, "invalid_argument");
            rejectRecordRaw("{\"component\":\"" + component + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                    + "\"input_tokens\":" + n + ",\"output_tokens\":1}", 400, "invalid_argument");
            assertError(t.postRaw("/api/v1/budgets", "{\"name\":\"x\",\"scope\":{\"component\":\"" + component
                    + "\"},\"limits\":{\"daily\":" + n + "}}"), 400, "invalid_argument");
            assertError(t.postRaw("/api/v1/budget-alerts/unified/check-operation", "{\"component\":\"" + component
                    + "\",\"estimated_cost\":" + n + "}"), 400, "invalid_argument");
            assertError(t.put("/api/v1/prices/openai/" + model, "{\"input_per_token\":" + n
                    + ",\"output_per_token\":0.000001}"), 400, "invalid_argument");
            assertThat((System.nanoTime() - t0) / 1_000_000).as(n + " handled in milliseconds").isLessThan(5_000);
        }
        long t0 = System.nanoTime();
        assertError(t.put("/api/v1/prices/openai/" + model, "{\"input_per_token\":1e-999999999,"
                + "\"output_per_token\":0.000001}"), 400, "invalid_argument");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        assertError(t.get("/api/v1/prices/openai/" + model), 404, "not_found");
    }

    @Test
    void record_cachedOverInput_isInvalidAndNotLedgered() {
        Map<String, Object> b = good("cached_input_tokens", 101);
        assertThat(field(rejectRecord(b, 400, "invalid_argument"))).isEqualTo("cached_input_tokens");
        Map<String, Object> b2 = good("cached_input_tokens", 60);
        b2.put("cache_write_tokens", 41);
        rejectRecord(b2, 400, "invalid_argument");
        assertThat(field(rejectRecord(good("reasoning_tokens", 51), 400, "invalid_argument")))
                .isEqualTo("reasoning_tokens");
    }

    @Test
    void record_twoMegabyteBody_isPayloadTooLargeAndNotLedgered() {
        String pad = "x".repeat(2 * 1024 * 1024);
        String raw = "{\"component\":\"" + component + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"input_tokens\":1,\"output_tokens\":1,\"cost\":1,\"request_id\":\"" + pad + "\"}";
        JsonNode e = rejectRecordRaw(raw, 413, "payload_too_large");
        assertThat(e.get("details").get("max_bytes").asLong()).isPositive();
        // Without a declared length (chunked), the limit still holds while reading.
        TestServer.Resp chunked = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/usage/record"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        assertError(chunked, 413, "payload_too_large");
    }

    @Test
    void anyRoute_unknownBudgetId_isNotFound() {
        String ghost = uniq("ghost");
        for (TestServer.Resp r : List.of(t.get("/api/v1/budgets/" + ghost),
                t.put("/api/v1/budgets/" + ghost, Map.of("name", "ghost", "limits", Map.of("daily", 1))),
                t.delete("/api/v1/budgets/" + ghost),
                t.get("/api/v1/budgets/" + ghost + "/summary"),
                t.get("/api/v1/budgets/" + ghost + "/alerts"),
                t.put("/api/v1/budgets/" + ghost + "/alerts", Map.of("thresholds", List.of(50))),
                t.get("/api/v1/usage/records?budget_id=" + ghost),
                t.post("/api/v1/usage/summary", Map.of("budget_id", ghost)),
                t.post("/api/v1/alerts/" + ghost + "/dismiss", Map.of()),
                t.post("/api/v1/reservations/" + ghost + "/release", Map.of()))) {
            JsonNode e = assertError(r, 404, "not_found");
            assertThat(e.get("message").asText()).as(r.raw()).contains(ghost);
        }
        // A record settling an unknown reservation is refused, not ledgered without it.
        rejectRecord(good("reservation_id", ghost), 404, "not_found");
    }

    @Test
    void madeUpPaths_are404_andAddNoMetricSeries() {
        for (int i = 0; i < 50; i++) {
            TestServer.Resp r = t.get("/api/v1/made-up-" + i + "/x");
            assertThat(r.status()).as(r.raw()).isEqualTo(404);
        }
        String metrics = t.get("/metrics").raw();
        assertThat(metrics).doesNotContain("made-up-");
        assertThat(metrics).contains("penia_http_requests_seconds_count{method=\"GET\",route=\"other\",status=\"404\"}");
    }

    @Test
    void record_unknownField_isUnknownFieldAndNotLedgered() {
        JsonNode e = rejectRecord(good("colour", "red"), 400, "unknown_field");
        assertThat(field(e)).isEqualTo("colour");
        assertThat(field(rejectRecord(good("input_token", 5), 400, "unknown_field"))).isEqualTo("input_token");
        assertError(t.post("/api/v1/budgets", Map.of("name", "x", "limits", Map.of("daily", 1), "scope",
                Map.of("component", component, "team", "a"))), 400, "unknown_field");
        assertError(t.post("/api/v1/usage/summary", Map.of("component", component, "colour", "red")), 400,
                "unknown_field");
    }

    @Test
    void record_deepNesting_isRejectedAndNotLedgered() {
        String deep = "[".repeat(100) + "]".repeat(100);
        rejectRecordRaw("{\"component\":\"" + component + "\",\"x\":" + deep + "}", 400, "invalid_argument");
        String deepObj = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        rejectRecordRaw(deepObj, 400, "invalid_argument");
        assertError(t.postRaw("/api/v1/budgets", "{\"scope\":" + deepObj + "}"), 400, "invalid_argument");
    }

    @Test
    void record_hugeStrings_areRejectedAndNotLedgered() {
        rejectRecord(good("component", "c".repeat(200_000)), 400, "invalid_argument");
        assertThat(field(rejectRecord(good("model", "m".repeat(300)), 400, "invalid_argument"))).isEqualTo("model");
        assertThat(field(rejectRecord(good("request_id", "r".repeat(5_000)), 400, "invalid_argument")))
                .isEqualTo("request_id");
        assertThat(field(rejectRecord(good("component", "   "), 400, "invalid_argument"))).isEqualTo("component");
    }

    @Test
    void record_missingRequiredFields_isInvalidAndNotLedgered() {
        for (String f : List.of("component", "provider", "model", "input_tokens", "output_tokens")) {
            assertThat(field(rejectRecord(without(f), 400, "invalid_argument"))).as(f).isEqualTo(f);
            assertThat(field(rejectRecord(good(f, null), 400, "invalid_argument"))).as(f + " null").isEqualTo(f);
        }
        rejectRecord(Map.of(), 400, "invalid_argument");
        rejectRecordRaw("", 400, "invalid_argument");
    }

    @Test
    void record_badOrFutureTimestamp_isInvalidAndNotLedgered() {
        for (String ts : List.of("yesterday", "2026-13-01T00:00:00Z", "2026-11-23 19:00:00", "1732388400", "")) {
            assertThat(field(rejectRecord(good("timestamp", ts), 400, "invalid_argument"))).as(ts).isEqualTo("timestamp");
        }
        assertThat(field(rejectRecord(good("timestamp", 1732388400), 400, "invalid_argument"))).isEqualTo("timestamp");
        String future = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        assertThat(field(rejectRecord(good("timestamp", future), 400, "invalid_argument"))).isEqualTo("timestamp");
        assertThat(field(rejectRecord(good("timestamp", "9999-12-31T23:59:59Z"), 400, "invalid_argument")))
                .isEqualTo("timestamp");
    }

    /** A year no clock shows is a bad timestamp (4xx), never a "retry later" 5xx; back-dating has a window. */
    @Test
    void record_timestampBeyondTheBackdateWindow_isInvalidNever5xx() {
        String longAgo = Instant.now().minus(401, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        for (String ts : List.of("-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
                "+999999999-12-31T23:59:59Z", longAgo)) {
            JsonNode e = rejectRecord(good("timestamp", ts), 400, "invalid_argument");
            assertThat(field(e)).as(ts).isEqualTo("timestamp");
            assertThat(e.get("message").asText()).as(ts).containsAnyOf("days", "future", "years 0000 to 9999");
        }
        assertThat(rejectRecord(good("timestamp", longAgo), 400, "invalid_argument").get("message").asText())
                .contains("400 days");
        // A few seconds of clock skew ahead is fine elsewhere; six minutes ahead is not.
        String ahead = Instant.now().plus(6, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();
        assertThat(field(rejectRecord(good("timestamp", ahead), 400, "invalid_argument"))).isEqualTo("timestamp");
        // The same years in a query are answered, not failed.
        for (String ts : List.of("-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z")) {
            TestServer.Resp r = t.get("/api/v1/usage/records?component=" + component + "&start=" + ts);
            assertThat(r.status()).as(ts + " -> " + r.raw()).isLessThan(500);
            TestServer.Resp s = t.post("/api/v1/usage/summary", Map.of("component", component, "start", ts));
            assertThat(s.status()).as(ts + " -> " + s.raw()).isLessThan(500);
        }
    }

    /** Names and ids are stored as UTF-8 text: a lone surrogate (stored as '?') or a NUL is refused. */
    @Test
    void namesWithLoneSurrogateOrNul_areInvalidAndNotStored() {
        for (String bad : List.of("\\ud800", "x\\udc00y", "\\u0000", "a\\u0000b")) {
            for (String f : List.of("component", "provider", "model", "request_id")) {
                String raw = TestServer.json(good(f, "x@@")).replace("@@", bad);
                assertThat(field(rejectRecordRaw(raw, 400, "invalid_argument"))).as(f + " " + bad).isEqualTo(f);
            }
            assertThat(field(assertError(t.postRaw("/api/v1/budgets", "{\"name\":\"n" + bad + "\",\"scope\":"
                    + "{\"component\":\"" + component + "\"},\"limits\":{\"daily\":1}}"), 400, "invalid_argument")))
                    .as("name " + bad).isEqualTo("name");
            assertThat(field(assertError(t.postRaw("/api/v1/budgets", "{\"name\":\"n\",\"scope\":"
                    + "{\"component\":\"" + component + bad + "\"},\"limits\":{\"daily\":1}}"), 400,
                    "invalid_argument"))).as("scope " + bad).isEqualTo("scope.component");
            assertError(t.postRaw("/api/v1/budget-alerts/unified/check-operation", "{\"component\":\"" + component
                    + bad + "\",\"estimated_cost\":1,\"reserve\":true}"), 400, "invalid_argument");
        }
    }

    /** {"cost":0.1,"cost":5} is ambiguous: refused, never read as either value. */
    @Test
    void duplicateJsonKeys_areBadJsonAndNotLedgered() {
        String raw = TestServer.json(good());
        JsonNode e = rejectRecordRaw(raw.substring(0, raw.length() - 1) + ",\"cost\":5}", 400, "bad_json");
        assertThat(e.get("message").asText()).contains("cost");
        rejectRecordRaw("{\"component\":\"" + component + "\",\"component\":\"other\",\"provider\":\"openai\","
                + "\"model\":\"gpt-4o\",\"input_tokens\":1,\"output_tokens\":1}", 400, "bad_json");
        assertError(t.postRaw("/api/v1/budgets", "{\"name\":\"dup\",\"scope\":{\"component\":\"" + component
                + "\"},\"limits\":{\"daily\":1,\"daily\":1000}}"), 400, "bad_json");
        assertError(t.postRaw("/api/tools/record_usage/execute", raw.substring(0, raw.length() - 1)
                + ",\"cost\":5}"), 400, "bad_json");
        assertError(t.put("/api/v1/budgets/" + budgetId, "{\"limits\":{\"daily\":1},\"limits\":{\"daily\":9}}"),
                400, "bad_json");
    }

    @Test
    void usageQueries_badPeriodOrTime_areInvalid() {
        assertThat(field(assertError(t.post("/api/v1/usage/summary", Map.of("period", "yearly")), 400,
                "invalid_argument"))).isEqualTo("period");
        assertError(t.post("/api/v1/usage/summary", Map.of("start", "last week")), 400, "invalid_argument");
        assertError(t.post("/api/v1/usage/summary", Map.of("start", "2026-11-23T00:00:00Z",
                "end", "2026-11-22T00:00:00Z")), 400, "invalid_argument");
        assertError(t.post("/api/v1/usage/summary", Map.of("group_by", List.of("provider", 3))), 400, "invalid_argument");
        assertError(t.get("/api/v1/usage/records?start=yesterday"), 400, "invalid_argument");
        assertError(t.get("/api/v1/usage/records?end=2026-99-01"), 400, "invalid_argument");
    }

    @Test
    void budget_invalidLimits_areRejectedAndNotStored() {
        List<Object> bad = List.of(Map.of("monthly", -5), Map.of("monthly", "100"), Map.of(), "100",
                List.of(100), Map.of("monthly", true), Map.of("monthly", new BigDecimal("1e15")));
        for (Object limits : bad) {
            assertError(t.post("/api/v1/budgets", Map.of("name", "bad", "scope", Map.of("component", component),
                    "limits", limits)), 400, "invalid_argument");
        }
        assertError(t.post("/api/v1/budgets", Map.of("name", "no limits", "scope", Map.of("component", component))),
                400, "invalid_argument");
        // A limit for an unknown period is an unknown field of limits.
        JsonNode e = assertError(t.post("/api/v1/budgets", Map.of("name", "yearly", "limits", Map.of("yearly", 5))),
                400, "unknown_field");
        assertThat(field(e)).isEqualTo("limits.yearly");
    }

    @Test
    void budget_badThresholdsEnforcementOrId_areRejectedAndNotStored() {
        List<Map<String, Object>> bad = List.of(
                Map.of("warning_percent", 96, "stop_percent", 95),
                Map.of("warning_percent", 0),
                Map.of("stop_percent", -1),
                Map.of("stop_percent", "95"),
                Map.of("alert_thresholds", List.of(50, "x")),
                Map.of("alert_thresholds", List.of(0)),
                Map.of("enforcement", "maybe"),
                Map.of("enforcement", 1),
                Map.of("is_active", "yes"),
                Map.of("budget_id", "has spaces"),
                Map.of("budget_id", "x".repeat(101)),
                Map.of("name", 5),
                Map.of("scope", "global"),
                Map.of("scope", Map.of("component", 42)));
        for (Map<String, Object> extra : bad) {
            Map<String, Object> body = new LinkedHashMap<>(Map.of("name", "bad", "scope", Map.of("component", component),
                    "limits", Map.of("daily", 5)));
            body.putAll(extra);
            TestServer.Resp r = t.post("/api/v1/budgets", body);
            assertThat(r.status()).as(extra + " -> " + r.raw()).isEqualTo(400);
            assertError(r, 400, "invalid_argument");
        }
    }

    @Test
    void budget_badUpdate_isRejectedAndLeavesBudgetUnchanged() {
        JsonNode before = t.get("/api/v1/budgets/" + budgetId).body();
        assertError(t.put("/api/v1/budgets/" + budgetId, Map.of("warning_percent", 99)), 400, "invalid_argument");
        assertError(t.put("/api/v1/budgets/" + budgetId, Map.of("limits", Map.of("daily", -1))), 400,
                "invalid_argument");
        assertError(t.put("/api/v1/budgets/" + budgetId, Map.of("name", "renamed", "enforcement", "soft")), 400,
                "invalid_argument");
        assertError(t.put("/api/v1/budgets/" + budgetId, Map.of("name", "renamed", "bogus", 1)), 400,
                "unknown_field");
        assertError(t.put("/api/v1/budgets/" + budgetId, Map.of("budget_id", "other-id")), 400, "invalid_argument");
        assertError(t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets/" + budgetId))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"name\":"))),
                400, "bad_json");
        assertThat(t.get("/api/v1/budgets/" + budgetId).body()).isEqualTo(before);
    }

    /** Hermes' tool endpoint takes the tool's arguments as an object; anything else is a 400, for every tool. */
    @Test
    void toolExecute_nonObjectBody_isInvalidForEveryTool() {
        for (JsonNode tool : t.get("/api/tools").get("tools")) {
            String path = "/api/tools/" + tool.get("name").asText() + "/execute";
            for (String body : List.of("null", "[]", "[1]", "\"s\"", "1", "true")) {
                assertError(t.postRaw(path, body), 400, "invalid_argument");
            }
        }
        // A record through the tool endpoint with an array body writes nothing (checked after each test).
        assertError(t.postRaw("/api/tools/record_usage/execute", "[" + TestServer.json(good()) + "]"), 400,
                "invalid_argument");
    }

    @Test
    void alertListings_unknownSeverity_isInvalid() {
        assertError(t.get("/api/v1/alerts?severity=bogus"), 400, "invalid_argument");
        assertError(t.get("/api/v1/budget-alerts/alerts/history?severity=Critical"), 400, "invalid_argument");
        for (String sev : List.of("info", "warning", "critical")) {
            TestServer.Resp r = t.get("/api/v1/alerts?severity=" + sev);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            r.get("items").forEach(a -> assertThat(a.get("severity").asText()).isEqualTo(sev));
        }
    }

    /** SPEC marks both token estimates of a recommendation as required. */
    @Test
    void recommend_missingTokenEstimates_isInvalid() {
        assertThat(field(assertError(t.post("/api/v1/prices/recommend", Map.of()), 400, "invalid_argument")))
                .isEqualTo("estimated_input_tokens");
        assertThat(field(assertError(t.post("/api/v1/prices/recommend", Map.of("estimated_input_tokens", 1000)), 400,
                "invalid_argument"))).isEqualTo("estimated_output_tokens");
        TestServer.Resp ok = t.post("/api/v1/prices/recommend", Map.of("estimated_input_tokens", 1000,
                "estimated_output_tokens", 200, "task_type", "code"));
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        assertThat(ok.get("recommendations").size()).isPositive();
        // The source lists Fireworks' FLUX image generators as chat models at a nominal price; none is offered.
        ok.get("recommendations").forEach(r -> assertThat(r.get("model").asText()).doesNotContain("flux"));
    }

    @Test
    void unknownRoute_isNotFoundEnvelope() {
        for (TestServer.Resp r : List.of(t.get("/api/v1/nope"), t.get("/api/v2/budgets"), t.post("/api/v1/usage/recordz",
                good()), t.get("/no/such/path"), t.get("/api/v1/budgets/" + budgetId + "/nope"))) {
            assertError(r, 404, "not_found");
        }
    }

    /** A path that exists, with a method it does not take: 405 with Allow, and nothing is written. */
    @Test
    void knownPath_wrongMethod_is405WithAllow() {
        Map<TestServer.Resp, String> cases = new LinkedHashMap<>();
        cases.put(t.delete("/api/v1/usage/records"), "GET");
        cases.put(t.get("/api/v1/usage/record"), "POST");
        cases.put(t.post("/api/v1/assistant/context", Map.of()), "GET");
        cases.put(t.send(java.net.http.HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets/" + budgetId))
                .header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"))), "DELETE, GET, PUT");
        cases.put(t.delete("/api/v1/prices/deepinfra/meta-llama/Llama-3.2-3B-Instruct"), "GET, PUT");
        cases.forEach((r, allow) -> {
            JsonNode e = assertError(r, 405, "method_not_allowed");
            assertThat(r.http().headers().firstValue("Allow")).as(r.raw()).contains(allow);
            assertThat(e.get("details").get("allowed")).isNotEmpty();
        });
    }
}
