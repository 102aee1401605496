package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A budget's holds, breaker and fired alerts belong to that budget, not to its id: a budget
 * deleted and created again under the same {@code budget_id} starts clean, live and after a
 * restart (issue 17, item 1). Every breaker change is durable, so a restart never brings back
 * a breaker the live server had closed, nor closes one it had open (issue 17, item 2).
 */
@PeniaServerTest(perTest = true)
class BudgetIncarnationTest {
    /** A Wednesday noon (UTC): hours from any daily boundary, so the tests' days do not roll. */
    @PeniaServerTest.Clock
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-18T12:00:00Z"));
    TestServer t;

    /** A daily budget with this id on one component, blocking at {@code stop} %. */
    void create(String id, String component, String daily, int stop) {
        TestServer.Resp r = t.post("/api/v1/budgets", Map.of("budget_id", id, "name", "Q", "scope",
                Map.of("component", component), "limits", Map.of("daily", new BigDecimal(daily)), "enforcement", "block",
                "warning_percent", 80, "stop_percent", stop, "alert_thresholds", List.of(70, 80, 90, 100)));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    /** A new $10 daily budget on the component, blocking at {@code stop} %; its id. */
    String newBudget(String component, int stop) {
        String id = uniq("q");
        create(id, component, "10", stop);
        return id;
    }

    /** Deletes the budget and creates it again under the same id: a $10 daily budget on the component. */
    void recreate(String id, String component) {
        delete(id);
        create(id, component, "10", 100);
    }

    /** A second daily budget with this id on the component: only the limit, and {@code stop} % when given. */
    void createOther(String id, String component, String daily, Integer stop) {
        Map<String, Object> body = new HashMap<>(Map.of("budget_id", id, "name", "other", "scope",
                Map.of("component", component), "limits", Map.of("daily", new BigDecimal(daily)), "enforcement", "block"));
        if (stop != null) {
            body.put("stop_percent", stop);
        }
        TestServer.Resp r = t.post("/api/v1/budgets", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    void delete(String id) {
        TestServer.Resp r = t.delete("/api/v1/budgets/" + id);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
    }

    String hold(String component, String cost, long ttlSeconds) {
        JsonNode r = check(component, cost, true, ttlSeconds);
        assertThat(r.get("allowed").asBoolean()).as(r.toString()).isTrue();
        return r.get("reservation_id").asText();
    }

    JsonNode check(String component, String cost) {
        return check(component, cost, false, 0);
    }

    JsonNode check(String component, String cost, boolean reserve, long ttlSeconds) {
        Map<String, Object> body = new HashMap<>(Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "estimated_cost", new BigDecimal(cost)));
        if (reserve) {
            body.put("reserve", true);
            body.put("reservation_ttl_seconds", ttlSeconds);
        }
        TestServer.Resp r = t.post("/api/v1/budget-alerts/unified/check-operation", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    JsonNode record(String component, String cost, String reservationId) {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("component", component, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 10, "output_tokens", 10, "cost", new BigDecimal(cost)));
        if (reservationId != null) {
            body.put("reservation_id", reservationId);
        }
        return Ledger.record(t, body);
    }

    JsonNode daily(String id) {
        return Ledger.period(t, id, "daily");
    }

    /** The status of releasing a hold. */
    int release(String reservationId) {
        return t.post("/api/v1/reservations/" + reservationId + "/release", Map.of()).status();
    }

    void assertBreaker(String id, boolean open) {
        JsonNode d = daily(id);
        assertThat(d.get("breaker_open").asBoolean()).as(d.toString()).isEqualTo(open);
    }

    /** Spends {@code cost} on the component and runs the periodic check, which opens the budget's breaker. */
    void spendToTheStop(String id, String component, String cost) {
        record(component, cost, null);
        t.post("/api/v1/budget-alerts/check", Map.of());
        assertBreaker(id, true);
    }

    /** Threshold alerts of the budget id at this percent (every incarnation: the history stays). */
    long thresholdAlerts(String id, int percent) {
        TestServer.Resp r = t.get("/api/v1/alerts?limit=1000&budget_id=" + id);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        long n = 0;
        for (JsonNode a : r.get("items")) {
            if (a.get("alert_type").asText().equals("threshold") && a.path("threshold_percent").asInt() == percent) {
                n++;
            }
        }
        return n;
    }

    /** The successor's figures: nothing held, only the given spend, the whole limit left to allow. */
    void assertClean(String id, String component, String spent) {
        JsonNode d = daily(id);
        assertUsd(d.get("reserved"), "0");
        assertUsd(d.get("spent"), spent);
        assertThat(d.get("breaker_open").asBoolean()).as(d.toString()).isFalse();
        BigDecimal left = new BigDecimal("10").subtract(new BigDecimal(spent));
        JsonNode ok = check(component, left.toPlainString());
        assertThat(ok.get("allowed").asBoolean()).as(ok.toString()).isTrue();
        assertUsd(ok.get("remaining"), left.toPlainString());
        JsonNode over = check(component, left.add(new BigDecimal("0.01")).toPlainString());
        assertThat(over.get("allowed").asBoolean()).as("$10 budget allows no more than $10: " + over).isFalse();
    }

    /** {@link #assertClean} now, and again after a restart. */
    void assertCleanLiveAndAfterRestart(String id, String component, String spent) {
        assertClean(id, component, spent);
        t.restart();
        assertClean(id, component, spent);
    }

    @Test
    void oldHolds_releasedExpiredAndSettledAfterRecreate_leaveTheSuccessorClean_liveAndAfterRestart() {
        String a = uniq("inc-holds");
        String id = newBudget(a, 100);
        String released = hold(a, "3.0", 600);
        String expiring = hold(a, "3.0", 60);
        String settled = hold(a, "3.5", 600);
        assertUsd(daily(id).get("reserved"), "9.5");

        recreate(id, a);
        assertClean(id, a, "0");

        assertThat(release(released)).isEqualTo(200);
        clock.advance(Duration.ofSeconds(61));
        JsonNode rec = record(a, "2.0", settled);
        assertThat(rec.get("reservation_status").asText()).isEqualTo("settled");
        // The old holds never counted against the new budget; the settled usage does (its scope matches).
        assertClean(id, a, "2.0");
        assertThat(Ledger.ledgerSum(t, a)).isEqualByComparingTo("2.0");
        assertThat(release(expiring)).isEqualTo(409);

        t.restart();
        assertClean(id, a, "2.0");
    }

    @Test
    void oldHoldsStillOpenAtRestart_doNotCountAgainstTheSuccessor() {
        String a = uniq("inc-restart");
        String id = newBudget(a, 100);
        String h1 = hold(a, "4.5", 600);
        String h2 = hold(a, "5.0", 600);
        recreate(id, a);

        t.restart();
        assertClean(id, a, "0");
        assertThat(release(h1)).isEqualTo(200);
        assertThat(record(a, "1.0", h2).get("reservation_status").asText()).isEqualTo("settled");
        assertCleanLiveAndAfterRestart(id, a, "1.0");
    }

    @Test
    void deletingABudget_releasesItsShareOfOpenHolds_andTheHoldStaysForOtherBudgets() {
        String a = uniq("inc-share");
        String other = uniq("other");
        String id = newBudget(a, 100);
        createOther(other, a, "20", null);
        String h = hold(a, "4.0", 600);
        assertThat(t.get("/api/v1/reservations/" + h).get("budget_ids")).hasSize(2);
        delete(id);
        assertUsd(daily(other).get("reserved"), "4.0");
        assertThat(t.get("/api/v1/reservations/" + h).get("budget_ids").toString()).isEqualTo("[\"" + other + "\"]");
        t.restart();
        assertUsd(daily(other).get("reserved"), "4.0");
        assertThat(t.get("/api/v1/reservations/" + h).get("budget_ids").toString()).isEqualTo("[\"" + other + "\"]");
        assertThat(t.get("/api/v1/reservations/" + h).get("status").asText()).isEqualTo("active");
        assertThat(record(a, "1.5", h).get("reservation_status").asText()).isEqualTo("settled");
        assertUsd(daily(other).get("reserved"), "0");
        assertUsd(daily(other).get("spent"), "1.5");
    }

    @Test
    void holdsTakenWhileTheBudgetIsDeletedAndRecreated_allClosed_leaveEveryCounterAtZero() throws Exception {
        String a = uniq("inc-race");
        String id = uniq("q");
        String other = uniq("other");
        create(id, a, "1000", 100);
        createOther(other, a, "1000", 100);
        java.util.Queue<String> holds = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fs.add(pool.submit(() -> holds.add(hold(a, "0.01", 600))));
            if (i % 50 == 25) {
                fs.add(pool.submit(() -> {
                    delete(id);
                    create(id, a, "1000", 100);
                }));
            }
        }
        for (java.util.concurrent.Future<?> f : fs) {
            f.get();
        }
        int n = 0;
        for (String h : holds) {
            if (n++ % 2 == 0) {
                assertThat(release(h)).isEqualTo(200);
            } else {
                pool.submit(() -> record(a, "0.01", h)).get();
            }
        }
        pool.shutdown();
        assertUsd(daily(id).get("reserved"), "0");
        assertUsd(daily(other).get("reserved"), "0");
        assertUsd(daily(other).get("spent"), "1.00");
        assertUsd(daily(id).get("spent"), "1.00");
        t.restart();
        assertUsd(daily(id).get("reserved"), "0");
        assertUsd(daily(other).get("reserved"), "0");
        assertUsd(daily(id).get("spent"), "1.00");
    }

    @Test
    void openBreakerOfADeletedBudget_doesNotBlockItsSuccessor_liveAndAfterRestart() {
        String a = uniq("inc-breaker-a");
        String b = uniq("inc-breaker-b");
        String id = newBudget(a, 100);
        spendToTheStop(id, a, "10.0");

        recreate(id, b);
        assertCleanLiveAndAfterRestart(id, b, "0");
    }

    @Test
    void firedAlertsOfADeletedBudget_doNotSilenceItsSuccessor_liveAndAfterRestart() {
        String a = uniq("inc-alert-a");
        String id = newBudget(a, 100);
        record(a, "7.5", null);
        assertThat(thresholdAlerts(id, 70)).isEqualTo(1);

        // Re-created live, crossing 70 % live.
        String b = uniq("inc-alert-b");
        recreate(id, b);
        record(b, "7.5", null);
        assertThat(thresholdAlerts(id, 70)).isEqualTo(2);

        // Re-created, restarted, then crossing 70 %.
        String c = uniq("inc-alert-c");
        recreate(id, c);
        t.restart();
        record(c, "7.5", null);
        assertThat(thresholdAlerts(id, 70)).isEqualTo(3);

        // Restarted right after a delete, re-created after it.
        String d = uniq("inc-alert-d");
        delete(id);
        t.restart();
        create(id, d, "10", 100);
        record(d, "7.5", null);
        assertThat(thresholdAlerts(id, 70)).isEqualTo(4);
        // Still once per incarnation and period.
        record(d, "0.1", null);
        t.post("/api/v1/budget-alerts/check", Map.of());
        assertThat(thresholdAlerts(id, 70)).isEqualTo(4);
    }

    @Test
    void raisedLimit_closesTheBreaker_liveAndAfterRestart() {
        String a = uniq("inc-raise");
        String id = newBudget(a, 95);
        spendToTheStop(id, a, "9.6");
        assertThat(check(a, "0").get("allowed").asBoolean()).isFalse();

        TestServer.Resp up = t.put("/api/v1/budgets/" + id, Map.of("limits", Map.of("daily", 100)));
        assertThat(up.status()).as(up.raw()).isEqualTo(200);
        assertBreaker(id, false);
        assertThat(check(a, "1").get("allowed").asBoolean()).isTrue();

        t.restart();
        assertBreaker(id, false);
        JsonNode after = check(a, "1");
        assertThat(after.get("allowed").asBoolean()).as(after.toString()).isTrue();
    }

    @Test
    void updateThatLeavesTheBudgetSpent_keepsTheBreakerOpen_liveAndAfterRestart() {
        String a = uniq("inc-rename");
        String id = newBudget(a, 95);
        spendToTheStop(id, a, "9.6");

        TestServer.Resp up = t.put("/api/v1/budgets/" + id, Map.of("name", "renamed"));
        assertThat(up.status()).as(up.raw()).isEqualTo(200);
        assertBreaker(id, true);
        TestServer.Resp th = t.put("/api/v1/budget-alerts/thresholds", Map.of("thresholds", List.of(70, 80, 90, 100),
                "warning_percent", 75, "stop_percent", 95));
        assertThat(th.status()).as(th.raw()).isEqualTo(200);
        assertBreaker(id, true);

        t.restart();
        assertBreaker(id, true);
        assertThat(check(a, "0").get("allowed").asBoolean()).isFalse();
    }

    @Test
    void raisedLimitThenSpendToTheNewStop_reopensTheBreaker_andAResetSurvivesRestart() {
        String a = uniq("inc-reopen");
        String id = newBudget(a, 95);
        spendToTheStop(id, a, "9.6");
        assertThat(t.put("/api/v1/budgets/" + id, Map.of("limits", Map.of("daily", 20))).status()).isEqualTo(200);
        assertBreaker(id, false);
        spendToTheStop(id, a, "9.5");
        t.restart();
        assertBreaker(id, true);
        assertThat(t.post("/api/v1/budget-alerts/breakers/" + id + "/reset", Map.of()).status()).isEqualTo(200);
        t.restart();
        assertBreaker(id, false);
    }
}
