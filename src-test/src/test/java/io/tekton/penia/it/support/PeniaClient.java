package io.tekton.penia.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The typed client of the black-box tests: one method per thing a test does to the server
 * (make a budget, record, check, read a summary or the ledger, make a key), each asserting the
 * success status and returning the body. Anything expected to fail goes through {@link #call}
 * and {@link #assertError}. With a key, every request carries {@code X-API-Key}.
 */
public final class PeniaClient {
    /** The {@code PENIA_ADMIN_KEY} of servers started with {@code @PeniaServerTest(adminKey = true)}. */
    public static final String ADMIN_KEY = "it-admin-key-" + UUID.randomUUID();

    public static final String CHECK = "/api/v1/budget-alerts/unified/check-operation";

    private final TestServer server;
    private final String key;

    public PeniaClient(TestServer server, String key) {
        this.server = server;
        this.key = key;
    }

    /** A client without a key. */
    public static PeniaClient of(TestServer server) {
        return new PeniaClient(server, null);
    }

    /** The same server, as the caller holding {@code key} (null: no key). */
    public PeniaClient withKey(String otherKey) {
        return new PeniaClient(server, otherKey);
    }

    public TestServer server() {
        return server;
    }

    public String key() {
        return key;
    }

    // ---- raw requests -------------------------------------------------------------------------

    /** A request with the key (if any); a null body sends none. */
    public TestServer.Resp call(String method, String path, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(TestServer.json(body)));
        }
        return server.send(b);
    }

    public TestServer.Resp get(String path) {
        return call("GET", path, null);
    }

    public TestServer.Resp post(String path, Object body) {
        return call("POST", path, body);
    }

    public TestServer.Resp put(String path, Object body) {
        return call("PUT", path, body);
    }

    public TestServer.Resp delete(String path) {
        return call("DELETE", path, null);
    }

    /** The body of a request that must answer {@code status}. */
    public JsonNode expect(int status, String method, String path, Object body) {
        TestServer.Resp r = call(method, path, body);
        assertThat(r.status()).as(method + " " + path + ": " + r.raw()).isEqualTo(status);
        return r.body();
    }

    // ---- budgets ------------------------------------------------------------------------------

    /** Creates a budget from a body; asserts 201 and returns its id. */
    public String createBudget(Map<String, ?> body) {
        return expect(201, "POST", "/api/v1/budgets", body).get("budget_id").asText();
    }

    /** A budget on one component with limits in USD by period, e.g. {@code Map.of("daily", "10")}. */
    public String componentBudget(String component, Map<String, String> limits) {
        return createBudget(Map.of("name", "budget of " + component, "scope", Map.of("component", component),
                "limits", usdLimits(limits)));
    }

    /** A blocking budget on one component with the given warning and stop percents. */
    public String componentBudget(String component, Map<String, String> limits, String enforcement,
                                  int warningPercent, int stopPercent) {
        return createBudget(Map.of("name", "budget of " + component, "scope", Map.of("component", component),
                "limits", usdLimits(limits), "enforcement", enforcement, "warning_percent", warningPercent,
                "stop_percent", stopPercent));
    }

    public JsonNode budget(String budgetId) {
        return expect(200, "GET", "/api/v1/budgets/" + budgetId, null);
    }

    public JsonNode summary(String budgetId) {
        return expect(200, "GET", "/api/v1/budgets/" + budgetId + "/summary", null);
    }

    /** One period of a budget's summary (daily, weekly, monthly). */
    public JsonNode period(String budgetId, String period) {
        JsonNode p = summary(budgetId).get("periods").get(period);
        assertThat(p).as("summary has period " + period).isNotNull();
        return p;
    }

    // ---- usage --------------------------------------------------------------------------------

    /** Records a usage; asserts 201 and returns the stored record. */
    public JsonNode record(Map<String, ?> body) {
        return expect(201, "POST", "/api/v1/usage/record", body);
    }

    /** Records {@code in}/{@code out} tokens of openai/gpt-4o with a reported cost (null: priced). */
    public JsonNode record(String component, String cost) {
        return record(usage(component, "openai", "gpt-4o", 10, 10, cost));
    }

    /** A pre-flight check (with {@code "reserve": true} in the body it holds); asserts 200. */
    public JsonNode check(Map<String, ?> body) {
        return expect(200, "POST", CHECK, body);
    }

    /** Checks an estimated cost for a component. */
    public JsonNode check(String component, String estimatedUsd) {
        return check(Map.of("component", component, "estimated_cost", new BigDecimal(estimatedUsd)));
    }

    /** {@code POST /usage/summary}; asserts 200. */
    public JsonNode usageSummary(Map<String, ?> query) {
        return expect(200, "POST", "/api/v1/usage/summary", query);
    }

    /** Every ledger row matching the query (e.g. {@code component=x}), newest first, by paging. */
    public List<JsonNode> rows(String query, int pageSize) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 10_000; page++) {
            String path = "/api/v1/usage/records?limit=" + pageSize + (query.isEmpty() ? "" : "&" + query)
                    + (cursor == null ? "" : "&cursor=" + enc(cursor));
            JsonNode r = expect(200, "GET", path, null);
            r.get("items").forEach(out::add);
            JsonNode next = r.get("next_cursor");
            if (next == null || next.isNull()) {
                return out;
            }
            assertThat(r.get("items").size()).as("a page with a next cursor is full").isEqualTo(pageSize);
            cursor = next.asText();
        }
        throw new AssertionError("paging did not end");
    }

    /** The ledger rows of a component. */
    public List<JsonNode> rows(String component) {
        return rows("component=" + enc(component), 1000);
    }

    /** The exact sum of the cost fields of the ledger rows of a component. */
    public BigDecimal ledgerSum(String component) {
        BigDecimal s = BigDecimal.ZERO;
        for (JsonNode r : rows(component)) {
            s = s.add(r.get("cost").decimalValue());
        }
        return s;
    }

    // ---- keys and audit -----------------------------------------------------------------------

    /** Creates a key (as this client's caller); returns the create response, with the secret. */
    public JsonNode createKey(String name, String role, String component) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("role", role);
        if (component != null) {
            body.put("component", component);
        }
        return expect(201, "POST", "/api/v1/keys", body);
    }

    /** The secret of a new key with a role (and component, or null). */
    public String secret(String role, String component) {
        return createKey(role + " key " + UUID.randomUUID(), role, component).get("secret").asText();
    }

    /** The audit entries of one target (all of the type when targetId is null). */
    public List<JsonNode> audit(String targetType, String targetId) {
        JsonNode r = expect(200, "GET", "/api/v1/audit?limit=1000&target_type=" + targetType
                + (targetId == null ? "" : "&target_id=" + enc(targetId)), null);
        List<JsonNode> out = new ArrayList<>();
        r.get("items").forEach(out::add);
        return out;
    }

    // ---- bodies and assertions ----------------------------------------------------------------

    /** A usage body; a null cost leaves the pricing to the server. */
    public static Map<String, Object> usage(String component, String provider, String model, long in, long out,
                                            String cost) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("component", component);
        body.put("provider", provider);
        body.put("model", model);
        body.put("input_tokens", in);
        body.put("output_tokens", out);
        if (cost != null) {
            body.put("cost", new BigDecimal(cost));
        }
        return body;
    }

    /** Limits in USD by period, as exact JSON numbers. */
    public static Map<String, Object> usdLimits(Map<String, String> limits) {
        Map<String, Object> l = new LinkedHashMap<>();
        limits.forEach((p, v) -> l.put(p, new BigDecimal(v)));
        return l;
    }

    /** A name no other test (or earlier run on the same database) uses. */
    public static String uniq(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Asserts the error envelope {@code {"error":{"code","message","details"}}} with the code. */
    public static JsonNode assertError(TestServer.Resp r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.body()).as("JSON error body: " + r.raw()).isNotNull();
        JsonNode e = r.get("error");
        assertThat(e).as(r.raw()).isNotNull();
        assertThat(e.isObject()).as(r.raw()).isTrue();
        assertThat(e.path("code").asText()).as(r.raw()).isEqualTo(code);
        assertThat(e.path("message").isTextual()).as(r.raw()).isTrue();
        assertThat(e.path("message").asText()).as(r.raw()).isNotBlank();
        assertThat(e.path("details").isObject()).as("details is an object: " + r.raw()).isTrue();
        return e;
    }

    /** Compares money exactly (scale-insensitive). */
    public static void assertUsd(JsonNode actual, String expected) {
        assertThat(actual).as("expected " + expected).isNotNull();
        assertThat(actual.isNumber()).as("a JSON number: " + actual).isTrue();
        assertThat(actual.decimalValue()).isEqualByComparingTo(expected);
    }
}
