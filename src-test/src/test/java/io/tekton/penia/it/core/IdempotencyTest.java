package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency of {@code POST /usage/record} (SPEC "Additions": a request id names one body;
 * a hold settles once): conflicting replays and second settles are 409 {@code conflict} and
 * book nothing, also when many settles of one hold race.
 */
@PeniaServerTest
class IdempotencyTest {
    static TestServer t;

    static Map<String, Object> usage(String component, String cost) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("component", component);
        body.put("provider", "openai");
        body.put("model", "gpt-4o");
        body.put("input_tokens", 100);
        body.put("output_tokens", 10);
        if (cost != null) {
            body.put("cost", new BigDecimal(cost));
        }
        return body;
    }

    static Map<String, Object> usage(String component, String cost, String requestId) {
        Map<String, Object> body = usage(component, cost);
        body.put("request_id", requestId);
        return body;
    }

    /** Posts a usage record and expects it booked (201). */
    static TestServer.Resp created(Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/usage/record", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r;
    }

    static String hold(String component, String amount) {
        TestServer.Resp r = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", component,
                "provider", "openai", "model", "gpt-4o", "estimated_cost", new BigDecimal(amount), "reserve", true));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("allowed").asBoolean()).as(r.raw()).isTrue();
        return r.get("reservation_id").asText();
    }

    static String holdStatus(String reservationId) {
        TestServer.Resp r = t.get("/api/v1/reservations/" + reservationId);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.get("status").asText();
    }

    static List<String> fields(JsonNode error) {
        List<String> out = new ArrayList<>();
        error.path("details").path("fields").forEach(f -> out.add(f.asText()));
        return out;
    }

    @Test
    void sameRequestId_differentBody_is409NamingTheFields_andBooksNothing() {
        String component = uniq("idem-body");
        String other = uniq("idem-other");
        String budget = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        String otherBudget = Ledger.componentBudget(t, other, Map.of("monthly", "10"));
        String requestId = uniq("req");
        Map<String, Object> first = usage(component, "0.5", requestId);
        TestServer.Resp created = created(first);

        Map<String, Object> changed = usage(other, "3.0", requestId);
        JsonNode e = assertError(t.post("/api/v1/usage/record", changed), 409, "conflict");
        assertThat(fields(e)).containsExactlyInAnyOrder("component", "cost");
        assertThat(e.path("details").path("request_id").asText()).isEqualTo(requestId);

        Map<String, Object> tokens = usage(component, "0.5", requestId);
        tokens.put("output_tokens", 11);
        tokens.put("model", "gpt-4o-mini");
        tokens.put("timestamp", "2026-01-01T00:00:00Z");
        assertThat(fields(assertError(t.post("/api/v1/usage/record", tokens), 409, "conflict")))
                .containsExactlyInAnyOrder("model", "output_tokens", "timestamp");

        // An identical replay, and one leaving out the optional cost, answer the stored record.
        TestServer.Resp same = t.post("/api/v1/usage/record", first);
        assertThat(same.status()).as(same.raw()).isEqualTo(200);
        assertThat(same.get("record_id").asText()).isEqualTo(created.get("record_id").asText());
        Map<String, Object> noCost = usage(component, null, requestId);
        TestServer.Resp replay = t.post("/api/v1/usage/record", noCost);
        assertThat(replay.status()).as(replay.raw()).isEqualTo(200);
        assertUsd(replay.get("cost"), "0.5");

        assertThat(Ledger.rows(t, component)).hasSize(1);
        assertThat(Ledger.rows(t, other)).isEmpty();
        assertUsd(Ledger.period(t, budget, "monthly").get("spent"), "0.5");
        assertUsd(Ledger.period(t, otherBudget, "monthly").get("spent"), "0");
    }

    @Test
    void replay_withAnotherReservationId_is409_andThatHoldStaysActive() {
        String component = uniq("idem-hold");
        String budget = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        String requestId = uniq("req");
        Map<String, Object> first = usage(component, "0.5", requestId);
        TestServer.Resp created = created(first);
        String res = hold(component, "2");

        Map<String, Object> replay = new LinkedHashMap<>(first);
        replay.put("reservation_id", res);
        JsonNode e = assertError(t.post("/api/v1/usage/record", replay), 409, "conflict");
        assertThat(fields(e)).containsExactly("reservation_id");

        assertThat(holdStatus(res)).isEqualTo("active");
        JsonNode monthly = Ledger.period(t, budget, "monthly");
        assertUsd(monthly.get("reserved"), "2");
        assertUsd(monthly.get("spent"), "0.5");
        assertThat(Ledger.rows(t, component)).hasSize(1);

        // The hold is still the caller's to settle.
        Map<String, Object> settle = usage(component, "1.25");
        settle.put("reservation_id", res);
        TestServer.Resp settled = created(settle);
        assertThat(settled.get("reservation_status").asText()).isEqualTo("settled");
        assertUsd(Ledger.period(t, budget, "monthly").get("reserved"), "0");
    }

    @Test
    void secondSettle_ofASettledHold_is409NamingTheSettlingRecord_beforeAndAfterARestart() {
        String component = uniq("idem-settle");
        String budget = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        String res = hold(component, "1");
        String requestId = uniq("req");
        Map<String, Object> settle = usage(component, "0.75");
        settle.put("reservation_id", res);
        settle.put("request_id", requestId);
        TestServer.Resp first = created(settle);
        assertThat(first.get("reservation_status").asText()).isEqualTo("settled");
        String recordId = first.get("record_id").asText();

        Map<String, Object> again = usage(component, "0.75");
        again.put("reservation_id", res);
        JsonNode e = assertError(t.post("/api/v1/usage/record", again), 409, "conflict");
        assertThat(e.path("details").path("record_id").asText()).isEqualTo(recordId);
        assertThat(e.path("details").path("reservation_id").asText()).isEqualTo(res);
        assertThat(e.path("details").path("status").asText()).isEqualTo("settled");

        // The settling request itself replays as before, and tells the hold's status.
        TestServer.Resp replay = t.post("/api/v1/usage/record", settle);
        assertThat(replay.status()).as(replay.raw()).isEqualTo(200);
        assertThat(replay.get("record_id").asText()).isEqualTo(recordId);
        assertThat(replay.get("reservation_status").asText()).isEqualTo("settled");

        t.restart();
        Map<String, Object> later = usage(component, "0.2");
        later.put("reservation_id", res);
        later.put("request_id", uniq("req"));
        JsonNode afterRestart = assertError(t.post("/api/v1/usage/record", later), 409, "conflict");
        assertThat(afterRestart.path("details").path("record_id").asText()).isEqualTo(recordId);

        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("record_id").asText()).isEqualTo(recordId);
        JsonNode monthly = Ledger.period(t, budget, "monthly");
        assertUsd(monthly.get("spent"), "0.75");
        assertUsd(monthly.get("reserved"), "0");
        assertThat(holdStatus(res)).isEqualTo("settled");
    }

    @Test
    void concurrentSettlesOfOneHold_exactlyOneBooks_everyLoserIs409NamingTheWinner() throws Exception {
        int holds = 12;
        int threads = 16;
        String component = uniq("idem-race");
        String budget = Ledger.componentBudget(t, component, Map.of("monthly", "100"));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int h = 0; h < holds; h++) {
                String res = hold(component, "1");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<TestServer.Resp>> fs = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Map<String, Object> body = usage(component, "0.5");
                    body.put("reservation_id", res);
                    fs.add(pool.submit(() -> {
                        go.await();
                        return t.post("/api/v1/usage/record", body);
                    }));
                }
                go.countDown();
                List<TestServer.Resp> winners = new ArrayList<>();
                List<TestServer.Resp> losers = new ArrayList<>();
                for (Future<TestServer.Resp> f : fs) {
                    TestServer.Resp r = f.get(1, TimeUnit.MINUTES);
                    (r.status() == 201 ? winners : losers).add(r);
                }
                assertThat(winners).as("exactly one settle books; 201 answers said reservation_status %s",
                        winners.stream().map(r -> r.get("reservation_status").asText()).toList()).hasSize(1);
                assertThat(winners.getFirst().get("reservation_status").asText()).isEqualTo("settled");
                String winner = winners.getFirst().get("record_id").asText();
                for (TestServer.Resp r : losers) {
                    JsonNode e = assertError(r, 409, "conflict");
                    assertThat(e.path("details").path("record_id").asText()).isEqualTo(winner);
                    assertThat(e.path("details").path("status").asText()).isEqualTo("settled");
                }
                List<JsonNode> settledBy = Ledger.rows(t, component).stream()
                        .filter(row -> res.equals(row.path("reservation_id").asText())).toList();
                assertThat(settledBy).hasSize(1);
                assertThat(settledBy.getFirst().get("record_id").asText()).isEqualTo(winner);
                assertThat(holdStatus(res)).isEqualTo("settled");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(Ledger.rows(t, component)).hasSize(holds);
        JsonNode monthly = Ledger.period(t, budget, "monthly");
        assertUsd(monthly.get("spent"), new BigDecimal("0.5").multiply(BigDecimal.valueOf(holds)));
        assertUsd(monthly.get("reserved"), "0");
    }

    @Test
    void mcpRecordUsage_conflicts_areIsErrorResultsWithTheConflictCode() {
        String component = uniq("idem-mcp");
        Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        McpSyncClient c = t.mcpClient();
        try {
            String requestId = uniq("req");
            Map<String, Object> first = usage(component, "0.5", requestId);
            assertThat(c.callTool(new McpSchema.CallToolRequest("record_usage", first)).isError()).isFalse();
            Map<String, Object> changed = usage(component, "3", requestId);
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("record_usage", changed));
            assertThat(r.isError()).isTrue();
            JsonNode error = Json.mapper().valueToTree(r.structuredContent()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("conflict");
            assertThat(fields(error)).containsExactly("cost");

            String res = hold(component, "1");
            Map<String, Object> settle = usage(component, "0.25");
            settle.put("reservation_id", res);
            McpSchema.CallToolResult settled = c.callTool(new McpSchema.CallToolRequest("record_usage", settle));
            assertThat(settled.isError()).as(String.valueOf(settled.content())).isFalse();
            McpSchema.CallToolResult twice = c.callTool(new McpSchema.CallToolRequest("record_usage", settle));
            assertThat(twice.isError()).isTrue();
            JsonNode twiceError = Json.mapper().valueToTree(twice.structuredContent()).get("error");
            assertThat(twiceError.get("code").asText()).isEqualTo("conflict");
            assertThat(twiceError.path("details").path("record_id").asText())
                    .isEqualTo(Json.mapper().valueToTree(settled.structuredContent()).get("record_id").asText());
        } finally {
            c.closeGracefully();
        }
        assertThat(Ledger.rows(t, component)).hasSize(2);
        assertThat(Ledger.sum(Ledger.rows(t, component))).isEqualByComparingTo("0.75");
    }
}
