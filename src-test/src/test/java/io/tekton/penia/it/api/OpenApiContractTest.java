package io.tekton.penia.it.api;

import io.tekton.penia.it.support.OpenApiContract;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of {@code openapi.yaml} against the real server: every main operation is driven
 * through HTTP (successes and the error envelopes: 400, 401, 403, 404, 409, 413, 415) and each
 * answer's body is validated against the schema the document gives for that operation and status.
 */
class OpenApiContractTest {
    private static final String ADMIN = "contract-admin-" + UUID.randomUUID();
    static TestServer t;
    static OpenApiContract contract;
    /** Operations answered and validated here, as "METHOD /template". */
    static final Set<String> covered = new TreeSet<>();
    final List<String> violations = new ArrayList<>();

    @BeforeAll
    static void up() {
        t = TestServer.start(Map.of("PENIA_ADMIN_KEY", ADMIN));
        contract = OpenApiContract.load();
    }

    @AfterAll
    static void down() {
        t.close();
        // Every operation of the document was answered and validated by one of the tests above.
        assertThat(covered).as("operations driven by this test").containsAll(contract.operations());
    }

    /** Sends a request as {@code key} (null: none), checks the status and validates the body. */
    private TestServer.Resp call(String key, String method, String template, String path, Object body, int status) {
        TestServer.Resp r = new PeniaClient(t, key).call(method, path, body);
        assertThat(r.status()).as(method + " " + path + ": " + r.raw()).isEqualTo(status);
        violations.addAll(contract.violations(method, template, r.status(), r.raw()));
        if (body != null && status / 100 == 2) {
            // What the server took, the document's request schema takes too.
            violations.addAll(contract.requestViolations(method, template, TestServer.json(body)));
        }
        covered.add(method + " " + template);
        return r;
    }

    private TestServer.Resp call(String method, String template, String path, Object body, int status) {
        return call(ADMIN, method, template, path, body, status);
    }

    /** A non-JSON answer: 200 with the media type the document names for it. */
    private void plain(String path, String mediaType) {
        TestServer.Resp r = t.send(HttpRequest.newBuilder(URI.create(t.base() + path)).header("X-API-Key", ADMIN).GET());
        assertThat(r.status()).as(path).isEqualTo(200);
        assertThat(r.http().headers().firstValue("Content-Type").orElse("")).startsWith(mediaType);
        assertThat(contract.document().path("paths").path(path).path("get").path("responses").path("200")
                .path("content").has(mediaType)).as(path + " documents " + mediaType).isTrue();
        assertThat(r.raw()).isNotBlank();
        covered.add("GET " + path);
    }

    /** A download of the usage export: 200 with a media type the document names, one data line per row. */
    private void download(String path, String mediaType) {
        TestServer.Resp r = t.send(HttpRequest.newBuilder(URI.create(t.base() + path)).header("X-API-Key", ADMIN).GET());
        assertThat(r.status()).as(path + ": " + r.raw()).isEqualTo(200);
        assertThat(r.http().headers().firstValue("Content-Type").orElse("")).startsWith(mediaType);
        assertThat(contract.document().path("paths").path("/api/v1/usage/export").path("get").path("responses")
                .path("200").path("content").has(mediaType)).as("/api/v1/usage/export documents " + mediaType).isTrue();
        List<String> lines = r.raw().lines().filter(l -> !l.isBlank()).toList();
        if (mediaType.equals("text/csv")) {
            assertThat(lines).as("header and the one row").hasSize(2);
            assertThat(lines.get(0)).startsWith("record_id,request_id,timestamp,");
        } else {
            assertThat(lines).as("the one row").hasSize(1);
            violations.addAll(contract.schemaViolations("#/components/schemas/UsageRecord", lines.get(0)));
        }
        covered.add("GET /api/v1/usage/export");
    }

    private static Map<String, Object> usage(String component, String requestId) {
        Map<String, Object> m = PeniaClient.usage(component, "openai", "gpt-4o", 1200, 300, null);
        m.put("task_type", "chat");
        m.put("request_id", requestId);
        return m;
    }

    @Test
    void budgetsUsageAndChecks_answerAsDocumented() {
        String c = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        String id = c + "-daily";
        TestServer.Resp created = call("POST", "/api/v1/budgets", "/api/v1/budgets", Map.of("budget_id", id,
                "name", "contract", "scope", Map.of("component", c),
                "limits", Map.of("daily", new BigDecimal("5"), "monthly", new BigDecimal("100")),
                "channels", List.of(Map.of("type", "webhook", "url", "http://127.0.0.1:9/hook", "secret", "s"))), 201);
        assertThat(created.get("budget_id").asText()).isEqualTo(id);
        call("POST", "/api/v1/budgets", "/api/v1/budgets", Map.of("budget_id", id, "name", "again",
                "limits", Map.of("daily", 1)), 409);
        call("GET", "/api/v1/budgets", "/api/v1/budgets?active=true&component=" + c, null, 200);
        call("GET", "/api/v1/budgets/{budget_id}", "/api/v1/budgets/" + id, null, 200);
        call("PUT", "/api/v1/budgets/{budget_id}", "/api/v1/budgets/" + id, Map.of("owner", "ops"), 200);
        call("GET", "/api/v1/budgets/{budget_id}/alerts", "/api/v1/budgets/" + id + "/alerts", null, 200);
        call("PUT", "/api/v1/budgets/{budget_id}/alerts", "/api/v1/budgets/" + id + "/alerts",
                Map.of("thresholds", List.of(50, 90)), 200);

        TestServer.Resp rec = call("POST", "/api/v1/usage/record", "/api/v1/usage/record", usage(c, c + "-r1"), 201);
        assertThat(rec.get("idempotent_replay").asBoolean()).isFalse();
        TestServer.Resp replay = call("POST", "/api/v1/usage/record", "/api/v1/usage/record", usage(c, c + "-r1"), 200);
        assertThat(replay.get("record_id").asText()).isEqualTo(rec.get("record_id").asText());
        Map<String, Object> other = usage(c, c + "-r1");
        other.put("input_tokens", 7);
        call("POST", "/api/v1/usage/record", "/api/v1/usage/record", other, 409);
        Map<String, Object> unknown = usage(c, c + "-r2");
        unknown.put("colour", "red");
        call("POST", "/api/v1/usage/record", "/api/v1/usage/record", unknown, 400);

        TestServer.Resp page = call("GET", "/api/v1/usage/records", "/api/v1/usage/records?component=" + c + "&limit=5",
                null, 200);
        assertThat(page.get("items")).hasSize(1);
        call("GET", "/api/v1/usage/records", "/api/v1/usage/records?budget_id=" + id, null, 200);
        call("GET", "/api/v1/usage/records", "/api/v1/usage/records?cursor=nonsense", null, 400);
        download("/api/v1/usage/export?component=" + c, "text/csv");
        download("/api/v1/usage/export?format=jsonl&task_type=chat&budget_id=" + id, "application/x-ndjson");
        call("GET", "/api/v1/usage/export", "/api/v1/usage/export?format=xml", null, 400);
        call("GET", "/api/v1/usage/export", "/api/v1/usage/export?budget_id=nope-" + c, null, 404);
        TestServer.Resp sum = call("POST", "/api/v1/usage/summary", "/api/v1/usage/summary",
                Map.of("component", c, "period", "monthly", "group_by", List.of("provider", "model")), 200);
        assertThat(sum.get("count").asLong()).isEqualTo(1);
        call("POST", "/api/v1/usage/summary", "/api/v1/usage/summary", Map.of("group_by", List.of("day")), 200);

        TestServer.Resp summary = call("GET", "/api/v1/budgets/{budget_id}/summary", "/api/v1/budgets/" + id + "/summary",
                null, 200);
        assertThat(summary.get("periods").has("daily")).isTrue();
        call("GET", "/api/v1/budgets/{budget_id}/summary", "/api/v1/budgets/" + id + "/summary?period=all", null, 200);
        call("GET", "/api/v1/budgets/{budget_id}/summary", "/api/v1/budgets/" + id + "/summary?period=weekly", null, 200);
        call("GET", "/api/v1/budgets/{budget_id}/summary", "/api/v1/budgets/nope-" + c + "/summary", null, 404);

        TestServer.Resp hold = call("POST", "/api/v1/budget-alerts/unified/check-operation",
                "/api/v1/budget-alerts/unified/check-operation", Map.of("component", c, "provider", "openai",
                        "model", "gpt-4o", "estimated_cost", new BigDecimal("0.5"), "reserve", true), 200);
        assertThat(hold.get("decision").asText()).isEqualTo("allow");
        String res = hold.get("reservation_id").asText();
        call("POST", "/api/v1/budget-alerts/unified/check-operation", "/api/v1/budget-alerts/unified/check-operation",
                Map.of("component", c, "estimated_cost", new BigDecimal("50")), 200);
        call("POST", "/api/v1/budget-alerts/unified/check-operation", "/api/v1/budget-alerts/unified/check-operation",
                Map.of("provider", "openai"), 400);
        call("GET", "/api/v1/reservations/{reservation_id}", "/api/v1/reservations/" + res, null, 200);
        call("POST", "/api/v1/reservations/{reservation_id}/release", "/api/v1/reservations/" + res + "/release", null, 200);
        call("GET", "/api/v1/reservations/{reservation_id}", "/api/v1/reservations/none-" + c, null, 404);

        call("POST", "/api/v1/budget-alerts/initialize", "/api/v1/budget-alerts/initialize", null, 200);
        TestServer.Resp status = call("GET", "/api/v1/budget-alerts/unified/status", "/api/v1/budget-alerts/unified/status",
                null, 200);
        assertThat(status.get("cooldowns").size()).as("the blocked check's cooldown, validated too").isPositive();
        call("POST", "/api/v1/budget-alerts/unified/check", "/api/v1/budget-alerts/unified/check", null, 200);
        call("GET", "/api/v1/budget-alerts/status", "/api/v1/budget-alerts/status", null, 200);
        call("POST", "/api/v1/budget-alerts/check", "/api/v1/budget-alerts/check", null, 200);
        call("GET", "/api/v1/budget-alerts/alerts/history", "/api/v1/budget-alerts/alerts/history?severity=warning", null, 200);
        call("GET", "/api/v1/budget-alerts/alerts/history", "/api/v1/budget-alerts/alerts/history?severity=loud", null, 400);
        TestServer.Resp thresholds = call("GET", "/api/v1/budget-alerts/thresholds", "/api/v1/budget-alerts/thresholds",
                null, 200);
        call("PUT", "/api/v1/budget-alerts/thresholds", "/api/v1/budget-alerts/thresholds",
                Map.of("cooldown_seconds", thresholds.get("cooldown_seconds").asLong()), 200);
        call("PUT", "/api/v1/budget-alerts/thresholds", "/api/v1/budget-alerts/thresholds", Map.of("warning_percent", 0), 400);
        call("GET", "/api/v1/budget-alerts/health", "/api/v1/budget-alerts/health", null, 200);
        call("POST", "/api/v1/budget-alerts/breakers/{budget_id}/reset", "/api/v1/budget-alerts/breakers/" + id + "/reset",
                Map.of("period", "daily"), 200);
        call("GET", "/api/v1/alerts", "/api/v1/alerts?budget_id=" + id, null, 200);
        call("POST", "/api/v1/alerts/{alert_id}/dismiss", "/api/v1/alerts/none-" + c + "/dismiss", null, 404);

        call("DELETE", "/api/v1/budgets/{budget_id}", "/api/v1/budgets/" + id, null, 200);
        call("GET", "/api/v1/budgets/{budget_id}", "/api/v1/budgets/" + id, null, 404);
        assertThat(violations).as("answers outside openapi.yaml").isEmpty();
    }

    @Test
    void alertsRaisedByUsage_andTheirDeliveries_answerAsDocumented() {
        String c = "contract-alert-" + UUID.randomUUID().toString().substring(0, 8);
        String id = c + "-b";
        call("POST", "/api/v1/budgets", "/api/v1/budgets", Map.of("budget_id", id, "name", "tiny",
                "scope", Map.of("component", c), "limits", Map.of("daily", new BigDecimal("0.001")),
                "enforcement", "warn"), 201);
        Map<String, Object> u = usage(c, c + "-r");
        u.put("cost", new BigDecimal("0.01"));
        call("POST", "/api/v1/usage/record", "/api/v1/usage/record", u, 201);
        call("POST", "/api/v1/budget-alerts/check", "/api/v1/budget-alerts/check", null, 200);
        TestServer.Resp alerts = call("GET", "/api/v1/alerts", "/api/v1/alerts?budget_id=" + id, null, 200);
        assertThat(alerts.get("items").size()).isPositive();
        String alertId = alerts.get("items").get(0).get("alert_id").asText();
        call("GET", "/api/v1/alerts/{alert_id}/deliveries", "/api/v1/alerts/" + alertId + "/deliveries", null, 200);
        call("POST", "/api/v1/alerts/{alert_id}/dismiss", "/api/v1/alerts/" + alertId + "/dismiss", null, 200);
        call("GET", "/api/v1/budget-alerts/alerts/history", "/api/v1/budget-alerts/alerts/history?budget_id=" + id,
                null, 200);
        call("GET", "/api/v1/budget-alerts/status", "/api/v1/budget-alerts/status", null, 200);
        call("GET", "/api/v1/budget-alerts/unified/status", "/api/v1/budget-alerts/unified/status", null, 200);
        assertThat(violations).as("answers outside openapi.yaml").isEmpty();
    }

    @Test
    void pricesToolsKeysAuditAndHealth_answerAsDocumented() {
        call(null, "GET", "/health", "/health", null, 200);
        call(null, "GET", "/ready", "/ready", null, 200);
        call(null, "GET", "/api/v1/discovery", "/api/v1/discovery", null, 200);
        plain("/metrics", "text/plain");
        plain("/openapi.yaml", "application/yaml");
        TestServer.Resp prices = call("GET", "/api/v1/prices", "/api/v1/prices?provider=openai&limit=3", null, 200);
        assertThat(prices.get("items")).hasSize(3);
        call("GET", "/api/v1/prices", "/api/v1/prices?cursor=" + prices.get("next_cursor").asText(), null, 200);
        call("GET", "/api/v1/prices", "/api/v1/prices?limit=0", null, 400);
        call("GET", "/api/v1/prices/{provider}/{model}", "/api/v1/prices/openai/gpt-4o", null, 200);
        call("GET", "/api/v1/prices/{provider}/{model}", "/api/v1/prices/nobody/nothing", null, 404);
        call("PUT", "/api/v1/prices/{provider}/{model}", "/api/v1/prices/contractco/model-a",
                Map.of("input_per_million", new BigDecimal("1"), "output_per_million", new BigDecimal("2")), 200);
        call("GET", "/api/v1/prices/{provider}/{model}", "/api/v1/prices/contractco/model-a", null, 200);
        call("PUT", "/api/v1/prices/{provider}/{model}", "/api/v1/prices/contractco/model-b", Map.of(), 400);
        call("POST", "/api/v1/prices/recommend", "/api/v1/prices/recommend",
                Map.of("estimated_input_tokens", 1000, "estimated_output_tokens", 200, "limit", 3), 200);
        call("POST", "/api/v1/prices/recommend", "/api/v1/prices/recommend", Map.of(), 400);

        call("GET", "/api/tools", "/api/tools", null, 200);
        call("POST", "/api/tools/{tool}/execute", "/api/tools/list_budgets/execute", Map.of(), 200);
        TestServer.Resp failed = call("POST", "/api/tools/{tool}/execute", "/api/tools/get_budget_status/execute",
                Map.of("budget_id", "none-such"), 404);
        assertThat(failed.get("success").asBoolean()).isFalse();
        call("POST", "/api/tools/{tool}/execute", "/api/tools/no_such_tool/execute", Map.of(), 404);
        call("GET", "/api/v1/assistant/context", "/api/v1/assistant/context", null, 200);
        call("GET", "/api/v1/budget-alerts/thresholds", "/api/v1/budget-alerts/thresholds", null, 200);

        TestServer.Resp key = call("POST", "/api/v1/keys", "/api/v1/keys",
                Map.of("name", "contract viewer", "role", "viewer"), 201);
        String keyId = key.get("key_id").asText();
        String viewer = key.get("secret").asText();
        call("POST", "/api/v1/keys", "/api/v1/keys", Map.of("name", "x", "role", "emperor"), 400);
        call("GET", "/api/v1/keys", "/api/v1/keys", null, 200);
        call("GET", "/api/v1/keys/{key_id}", "/api/v1/keys/" + keyId, null, 200);
        call("GET", "/api/v1/keys/{key_id}", "/api/v1/keys/none", null, 404);
        call(viewer, "GET", "/api/v1/budgets", "/api/v1/budgets", null, 200);
        call(viewer, "GET", "/api/v1/keys", "/api/v1/keys", null, 403);
        call(null, "GET", "/api/v1/budgets", "/api/v1/budgets", null, 401);
        call("POST", "/api/v1/keys/{key_id}/revoke", "/api/v1/keys/" + keyId + "/revoke", null, 200);
        call("DELETE", "/api/v1/keys/{key_id}", "/api/v1/keys/" + keyId, null, 200);
        call(viewer, "GET", "/api/v1/budgets", "/api/v1/budgets", null, 401);

        TestServer.Resp audit = call("GET", "/api/v1/audit", "/api/v1/audit?limit=2", null, 200);
        assertThat(audit.get("items")).hasSize(2);
        call("GET", "/api/v1/audit", "/api/v1/audit?target_type=api_key&target_id=" + keyId, null, 200);
        call("GET", "/audit", "/audit", null, 200);

        String name = "contract-" + UUID.randomUUID().toString().substring(0, 8) + ".db";
        TestServer.Resp backup = call("POST", "/api/v1/admin/backup", "/api/v1/admin/backup", Map.of("file", name), 201);
        assertThat(backup.get("name").asText()).isEqualTo(name);
        assertThat(backup.get("size_bytes").asLong()).isPositive();
        call("POST", "/api/v1/admin/backup", "/api/v1/admin/backup", Map.of("file", name), 409);
        call("POST", "/api/v1/admin/backup", "/api/v1/admin/backup", Map.of("file", "../escape.db"), 400);
        TestServer.Resp retention = call("POST", "/api/v1/admin/retention", "/api/v1/admin/retention", Map.of(), 200);
        assertThat(retention.get("rows_archived").asLong()).isZero();
        call("POST", "/api/v1/admin/retention", "/api/v1/admin/retention", Map.of("months", 1), 400);
        assertThat(violations).as("answers outside openapi.yaml").isEmpty();
    }

    @Test
    void malformedRequests_getTheDocumentedErrorEnvelope() {
        TestServer.Resp broken = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/usage/record"))
                .header("X-API-Key", ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"component\":")));
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.get("error").get("code").asText()).isEqualTo("bad_json");
        violations.addAll(contract.violations("POST", "/api/v1/usage/record", broken.status(), broken.raw()));

        TestServer.Resp text = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/usage/record"))
                .header("X-API-Key", ADMIN).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")));
        assertThat(text.status()).isEqualTo(415);
        violations.addAll(contract.violations("POST", "/api/v1/usage/record", text.status(), text.raw()));

        TestServer.Resp big = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/usage/record"))
                .header("X-API-Key", ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"component\":\"" + "x".repeat(1_100_000) + "\"}")));
        assertThat(big.status()).isEqualTo(413);
        violations.addAll(contract.violations("POST", "/api/v1/usage/record", big.status(), big.raw()));
        assertThat(violations).as("answers outside openapi.yaml").isEmpty();
    }

    /** The validator itself: a wrong answer is caught, so an empty list above means something. */
    @Test
    void aBodyOutsideTheSchema_isReported() {
        assertThat(contract.violations("POST", "/api/v1/usage/record", 201, "{\"record_id\":7}")).isNotEmpty();
        assertThat(contract.violations("GET", "/api/v1/budgets", 404,
                "{\"error\":{\"code\":\"no_such_code\",\"message\":\"m\",\"details\":{}}}")).isNotEmpty();
        assertThat(contract.violations("GET", "/api/v1/budgets", 404,
                "{\"error\":{\"code\":\"not_found\",\"message\":\"m\",\"details\":{}}}")).isEmpty();
        assertThat(contract.violations("POST", "/api/v1/budget-alerts/unified/check-operation", 200,
                "{\"decision\":\"maybe\",\"allowed\":true,\"reasons\":[],\"remaining\":null,\"estimated_cost\":null}"))
                .isNotEmpty();
        // Closed objects: a field the document does not name is reported.
        assertThat(contract.violations("POST", "/api/v1/budget-alerts/unified/check-operation", 200,
                "{\"decision\":\"allow\",\"allowed\":true,\"reasons\":[],\"remaining\":null,\"estimated_cost\":null,"
                        + "\"surprise\":1}")).isNotEmpty();
        assertThat(contract.violations("POST", "/api/v1/budget-alerts/unified/check-operation", 200,
                "{\"decision\":\"allow\",\"allowed\":true,\"reasons\":[],\"remaining\":null,\"estimated_cost\":null}"))
                .isEmpty();
    }
}
