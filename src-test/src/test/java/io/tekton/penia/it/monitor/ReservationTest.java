package io.tekton.penia.it.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.ConcurrentHolds;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Atomic check-and-hold: zero overspend under concurrency, exact settle, exact expiry. */
@PeniaServerTest
class ReservationTest {
    @PeniaServerTest.Clock
    static MutableClock clock = new MutableClock(Instant.parse("2026-11-10T12:00:00Z"));
    static TestServer t;
    static PeniaClient penia;

    static String budget(String component, String monthly) {
        return penia.componentBudget(component, Map.of("monthly", monthly), "block", 80, 100);
    }

    static JsonNode check(String component, String cost, Long ttl) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("component", component, "provider", "openai",
                "model", "gpt-4o", "estimated_cost", new BigDecimal(cost), "reserve", true));
        if (ttl != null) {
            body.put("reservation_ttl_seconds", ttl);
        }
        return penia.check(body);
    }

    static BigDecimal ledgerTotal(String component) {
        TestServer.Resp r = t.post("/api/v1/usage/summary", Map.of("component", component));
        return r.get("total_cost").decimalValue();
    }

    static JsonNode monthly(String budgetId) {
        return penia.period(budgetId, "monthly");
    }

    /** 1,000 concurrent $0.01 reservations from 64 threads against $5.00: exactly 500 allowed. */
    static List<String> reserveConcurrently(String component, Long ttl) throws Exception {
        return ConcurrentHolds.reserve(64, 1000, 500, i -> check(component, "0.01", ttl));
    }

    static void settleAll(String component, List<String> reservations, String cost) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> fs = new ArrayList<>();
        for (String id : reservations) {
            fs.add(pool.submit(() -> {
                TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", component, "provider", "openai",
                        "model", "gpt-4o", "input_tokens", 10, "output_tokens", 10, "cost", new BigDecimal(cost),
                        "reservation_id", id));
                assertThat(r.status()).as(r.raw()).isEqualTo(201);
                assertThat(r.get("reservation_status").asText()).isEqualTo("settled");
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
    }

    @Test
    void concurrentReservations_neverOverspend_andSettledLedgerIsExactlyTheLimit() throws Exception {
        String c = "zero-overspend-" + UUID.randomUUID();
        String id = budget(c, "5.00");
        List<String> allowed = reserveConcurrently(c, null);
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("5.00");
        settleAll(c, allowed, "0.01");
        assertThat(ledgerTotal(c)).isEqualByComparingTo("5.00");
        JsonNode m = monthly(id);
        assertThat(m.get("spent").decimalValue()).isEqualByComparingTo("5.00");
        assertThat(m.get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(check(c, "0.01", null).get("decision").asText()).isEqualTo("block");
    }

    @Test
    void settleBelowEstimate_actualCostReplacesTheHold_andFreesTheRest() throws Exception {
        String c = "settle-below-" + UUID.randomUUID();
        String id = budget(c, "5.00");
        List<String> allowed = reserveConcurrently(c, null);
        settleAll(c, allowed, "0.004");
        assertThat(ledgerTotal(c)).isEqualByComparingTo("2.00");
        JsonNode m = monthly(id);
        assertThat(m.get("spent").decimalValue()).isEqualByComparingTo("2.00");
        assertThat(m.get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(m.get("remaining").decimalValue()).isEqualByComparingTo("3.00");
        // The freed $3.00 is exactly 300 more cents.
        int more = 0;
        while (check(c, "0.01", null).get("allowed").asBoolean()) {
            more++;
        }
        assertThat(more).isEqualTo(300);
    }

    @Test
    void expiredHolds_returnTheBudgetExactly_andAllowAnotherFullRound() throws Exception {
        String c = "expiry-" + UUID.randomUUID();
        String id = budget(c, "5.00");
        JsonNode before = monthly(id);
        reserveConcurrently(c, 60L);
        assertThat(monthly(id).get("remaining").decimalValue()).isEqualByComparingTo("0");
        clock.advance(Duration.ofSeconds(59));
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("5.00");
        clock.advance(Duration.ofSeconds(1));
        JsonNode after = monthly(id);
        assertThat(after.get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(after.get("remaining").decimalValue()).isEqualByComparingTo(before.get("remaining").decimalValue());
        List<String> second = reserveConcurrently(c, 60L);
        assertThat(second).hasSize(500);
        assertThat(ledgerTotal(c)).isEqualByComparingTo("0");
    }

    @Test
    void leakedHolds_neverSettled_expireAndRemainingReturnsToItsValueBefore() {
        String c = "leak-" + UUID.randomUUID();
        String id = budget(c, "10.00");
        t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 1, "output_tokens", 1, "cost", new BigDecimal("1.234567")));
        BigDecimal remainingBefore = monthly(id).get("remaining").decimalValue();
        for (int i = 0; i < 37; i++) {
            assertThat(check(c, "0.123457", 30L).get("allowed").asBoolean()).isTrue();
        }
        assertThat(monthly(id).get("remaining").decimalValue())
                .isEqualByComparingTo(remainingBefore.subtract(new BigDecimal("0.123457").multiply(BigDecimal.valueOf(37))));
        clock.advance(Duration.ofSeconds(31));
        assertThat(monthly(id).get("remaining").decimalValue()).isEqualByComparingTo(remainingBefore);
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0");
    }

    @Test
    void release_returnsTheHold_andASecondReleaseIsAConflict() {
        String c = "release-" + UUID.randomUUID();
        String id = budget(c, "1.00");
        String res = check(c, "0.60", null).get("reservation_id").asText();
        assertThat(check(c, "0.60", null).get("allowed").asBoolean()).isFalse();
        TestServer.Resp r = t.post("/api/v1/reservations/" + res + "/release", Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.get("status").asText()).isEqualTo("released");
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0");
        TestServer.Resp again = t.post("/api/v1/reservations/" + res + "/release", Map.of());
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().get("error").get("code").asText()).isEqualTo("conflict");
        assertThat(t.post("/api/v1/reservations/res_nope/release", Map.of()).status()).isEqualTo(404);
    }

    @Test
    void recordAgainstExpiredReservation_isStillLedgered() {
        String c = "late-settle-" + UUID.randomUUID();
        budget(c, "1.00");
        String res = check(c, "0.10", 5L).get("reservation_id").asText();
        clock.advance(Duration.ofSeconds(6));
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", 0.09, "reservation_id", res));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.get("reservation_status").asText()).isEqualTo("expired");
        assertThat(ledgerTotal(c)).isEqualByComparingTo("0.09");
        TestServer.Resp unknown = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", 0.09, "reservation_id", "res_unknown"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(ledgerTotal(c)).isEqualByComparingTo("0.09");
    }

    @Test
    void holdsSurviveARestart() {
        String c = "restart-hold-" + UUID.randomUUID();
        String id = budget(c, "1.00");
        String res = check(c, "0.70", 600L).get("reservation_id").asText();
        t.restart();
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0.70");
        assertThat(check(c, "0.40", null).get("allowed").asBoolean()).isFalse();
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", 0.5, "reservation_id", res));
        assertThat(r.get("reservation_status").asText()).isEqualTo("settled");
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(monthly(id).get("spent").decimalValue()).isEqualByComparingTo("0.5");
    }
}
