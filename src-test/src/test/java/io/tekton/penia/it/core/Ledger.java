package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the core black-box tests share: unique names, budget and record helpers, and reads of
 * the ledger through {@code GET /usage/records} (a different interface from the one written to).
 */
final class Ledger {
    private Ledger() {
    }

    /** A name no other test (or earlier run on the same database) uses. */
    static String uniq(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Creates a budget from a body; asserts 201 and returns its id. */
    static String budget(TestServer t, Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/budgets", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    /** A budget scoped to one component with the given limits (USD strings by period). */
    static String componentBudget(TestServer t, String component, Map<String, String> limits) {
        Map<String, Object> l = new LinkedHashMap<>();
        limits.forEach((p, v) -> l.put(p, new BigDecimal(v)));
        return budget(t, Map.of("name", "budget of " + component, "scope", Map.of("component", component),
                "limits", l));
    }

    /** Records a usage with a reported cost; asserts 201 and returns the stored record. */
    static JsonNode record(TestServer t, String component, String provider, String model, long in, long out,
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
        return record(t, body);
    }

    static JsonNode record(TestServer t, Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/usage/record", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body();
    }

    /** Every ledger row matching the query (e.g. {@code component=x}), newest first, by paging. */
    static List<JsonNode> rows(TestServer t, String query, int pageSize) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 10_000; page++) {
            String path = "/api/v1/usage/records?limit=" + pageSize + (query.isEmpty() ? "" : "&" + query)
                    + (cursor == null ? "" : "&cursor=" + enc(cursor));
            TestServer.Resp r = t.get(path);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
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

    static List<JsonNode> rows(TestServer t, String component) {
        return rows(t, "component=" + enc(component), 1000);
    }

    /** The exact sum of the cost fields of the ledger rows of a component. */
    static BigDecimal ledgerSum(TestServer t, String component) {
        return sum(rows(t, component));
    }

    static BigDecimal sum(List<JsonNode> rows) {
        BigDecimal s = BigDecimal.ZERO;
        for (JsonNode r : rows) {
            s = s.add(r.get("cost").decimalValue());
        }
        return s;
    }

    static JsonNode summary(TestServer t, String budgetId) {
        TestServer.Resp r = t.get("/api/v1/budgets/" + budgetId + "/summary");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    static JsonNode period(TestServer t, String budgetId, String period) {
        JsonNode p = summary(t, budgetId).get("periods").get(period);
        assertThat(p).as("summary has period " + period).isNotNull();
        return p;
    }

    /** Asserts the error envelope {@code {"error":{"code","message","details"}}} with the code. */
    static JsonNode assertError(TestServer.Resp r, int status, String code) {
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
    static void assertUsd(JsonNode actual, String expected) {
        assertThat(actual).as("expected " + expected).isNotNull();
        assertThat(actual.isNumber()).as("a JSON number: " + actual).isTrue();
        assertThat(actual.decimalValue()).isEqualByComparingTo(expected);
    }

    static void assertUsd(JsonNode actual, BigDecimal expected) {
        assertUsd(actual, expected.toPlainString());
    }
}
