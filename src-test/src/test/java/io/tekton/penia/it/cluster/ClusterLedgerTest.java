package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.assertError;
import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

/**
 * Issue 23, guarantees 2 and 6 over three instances on one PostgreSQL: one ledger (a record on
 * one is at once in the others' summaries and listings; a request id sent to two at once books
 * once), and budgets, periods, breakers and keys changed on one take effect on all at once.
 */
class ClusterLedgerTest extends TrioPerClass {
    @Test
    void recordOnA_isAtOnceInBsAndCsSummariesAndListings() {
        String c = uniq("trio-ledger");
        String id = trio.client(0).componentBudget(c, Map.of("monthly", "10"));
        for (int i = 0; i < 3; i++) {
            JsonNode rec = trio.client(i).record(c, "0.25");
            String recordId = rec.get("record_id").asText();
            String total = new BigDecimal("0.25").multiply(BigDecimal.valueOf(i + 1)).toPlainString();
            for (int j = 0; j < 3; j++) {
                PeniaClient other = trio.client(i + j);
                assertUsd(other.period(id, "monthly").get("spent"), total);
                assertThat(other.rows(c)).extracting(r -> r.get("record_id").asText()).contains(recordId);
                assertUsd(other.usageSummary(Map.of("component", c)).get("total_cost"), total);
            }
        }
        assertThat(trio.ledger(c)).containsExactly(750_000L, 3L);
        for (TestServer s : trio.servers) {
            JsonNode health = s.get("/health").body();
            assertThat(health.get("status").asText()).as("a follower's fenced writer is no fault: " + health)
                    .isEqualTo("healthy");
        }
    }

    @Test
    void theSameRequestId_sentToTwoInstancesAtOnce_booksOnce() throws Exception {
        String c = uniq("trio-idem");
        trio.client(0).componentBudget(c, Map.of("monthly", "100"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int n = 0; n < 20; n++) {
                String requestId = uniq("req");
                Map<String, Object> body = PeniaClient.usage(c, "openai", "gpt-4o", 10, 10, "0.01");
                body.put("request_id", requestId);
                CyclicBarrier together = new CyclicBarrier(2);
                List<CompletableFuture<TestServer.Resp>> both = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    PeniaClient via = trio.client(n + k);
                    both.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            together.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return via.post("/api/v1/usage/record", body);
                    }, pool));
                }
                TestServer.Resp first = both.get(0).get();
                TestServer.Resp second = both.get(1).get();
                assertThat(List.of(first.status(), second.status())).as(first.raw() + " / " + second.raw())
                        .allMatch(s -> s == 200 || s == 201).contains(201);
                assertThat(first.get("record_id").asText()).isEqualTo(second.get("record_id").asText());
                assertThat(trio.column("SELECT record_id FROM usage_records WHERE request_id = ?", requestId))
                        .containsExactly(first.get("record_id").asText());
            }
        } finally {
            pool.shutdown();
        }
        assertThat(trio.ledger(c)).containsExactly(200_000L, 20L);
    }

    @Test
    void aBudgetCreatedOnB_blocksACheckOnC_andAKeyRevokedOnA_isRefusedOnC() {
        String c = uniq("trio-change");
        trio.client(1).componentBudget(c, Map.of("daily", "1"), "block", 80, 100);
        JsonNode check = trio.client(2).check(c, "2");
        assertThat(check.get("decision").asText()).as(check.toString()).isEqualTo("block");

        JsonNode key = trio.client(0).createKey(uniq("viewer"), "viewer", null);
        String secret = key.get("secret").asText();
        String keyId = key.get("key_id").asText();
        PeniaClient onC = trio.client(2).withKey(secret);
        assertThat(onC.get("/api/v1/budgets").status()).isEqualTo(200);
        trio.client(0).expect(200, "POST", "/api/v1/keys/" + keyId + "/revoke", null);
        assertError(onC.get("/api/v1/budgets"), 401, "unauthorized");
        assertError(trio.client(1).withKey(secret).get("/api/v1/budgets"), 401, "unauthorized");
    }

    @Test
    void aBreakerOpenedOnA_isOpenOnAll_aResetOnC_closesItOnAll_andPeriodsChangedOnB_holdOnAll() {
        String c = uniq("trio-breaker");
        String id = trio.client(0).componentBudget(c, Map.of("daily", "1"), "block", 80, 100);
        trio.client(0).record(c, "1.50");
        trio.client(0).expect(200, "POST", "/api/v1/budget-alerts/check", Map.of());
        for (int i = 0; i < 3; i++) {
            JsonNode daily = trio.client(i).period(id, "daily");
            assertThat(daily.get("breaker_open").asBoolean()).as("instance " + i + ": " + daily).isTrue();
            JsonNode check = trio.client(i).check(c, "0.01");
            assertThat(check.get("decision").asText()).as(check.toString()).isEqualTo("block");
        }

        trio.client(2).expect(200, "POST", "/api/v1/budget-alerts/breakers/" + id + "/reset", Map.of());
        for (int i = 0; i < 3; i++) {
            JsonNode daily = trio.client(i).period(id, "daily");
            assertThat(daily.get("breaker_open").asBoolean()).as("instance " + i + ": " + daily).isFalse();
        }

        // The period and its limit change on B: a monthly $100 instead of the daily $1.
        trio.client(1).expect(200, "PUT", "/api/v1/budgets/" + id,
                Map.of("limits", PeniaClient.usdLimits(Map.of("monthly", "100"))));
        for (int i = 0; i < 3; i++) {
            JsonNode budget = trio.client(i).budget(id);
            assertThat(budget.get("limits").get("daily").isNull()).as("instance " + i + ": " + budget).isTrue();
            assertUsd(budget.get("limits").get("monthly"), "100");
            assertUsd(trio.client(i).period(id, "monthly").get("spent"), "1.5");
            JsonNode check = trio.client(i).check(c, "0.01");
            assertThat(check.get("allowed").asBoolean()).as("instance " + i + ": " + check).isTrue();
        }
    }
}
