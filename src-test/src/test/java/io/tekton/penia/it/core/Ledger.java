package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
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
 * Kept for the classes not yet on {@code @PeniaServerTest}; each helper is a {@link PeniaClient} call.
 */
final class Ledger {
    private Ledger() {
    }

    /** A name no other test (or earlier run on the same database) uses. */
    static String uniq(String prefix) {
        return PeniaClient.uniq(prefix);
    }

    static String enc(String s) {
        return PeniaClient.enc(s);
    }

    /** Creates a budget from a body; asserts 201 and returns its id. */
    static String budget(TestServer t, Map<String, Object> body) {
        return PeniaClient.of(t).createBudget(body);
    }

    /** A budget scoped to one component with the given limits (USD strings by period). */
    static String componentBudget(TestServer t, String component, Map<String, String> limits) {
        return PeniaClient.of(t).componentBudget(component, limits);
    }

    /** Records a usage with a reported cost; asserts 201 and returns the stored record. */
    static JsonNode record(TestServer t, String component, String provider, String model, long in, long out,
                           String cost) {
        return record(t, PeniaClient.usage(component, provider, model, in, out, cost));
    }

    static JsonNode record(TestServer t, Map<String, Object> body) {
        return PeniaClient.of(t).record(body);
    }

    /** Every ledger row matching the query (e.g. {@code component=x}), newest first, by paging. */
    static List<JsonNode> rows(TestServer t, String query, int pageSize) {
        return PeniaClient.of(t).rows(query, pageSize);
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
        return PeniaClient.of(t).summary(budgetId);
    }

    static JsonNode period(TestServer t, String budgetId, String period) {
        return PeniaClient.of(t).period(budgetId, period);
    }

    /** Asserts the error envelope {@code {"error":{"code","message","details"}}} with the code. */
    static JsonNode assertError(TestServer.Resp r, int status, String code) {
        return PeniaClient.assertError(r, status, code);
    }

    /** Compares money exactly (scale-insensitive). */
    static void assertUsd(JsonNode actual, String expected) {
        PeniaClient.assertUsd(actual, expected);
    }

    static void assertUsd(JsonNode actual, BigDecimal expected) {
        assertUsd(actual, expected.toPlainString());
    }
}
