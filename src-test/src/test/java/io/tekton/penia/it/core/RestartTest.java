package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.RunningClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restart on the same database rebuilds every counter from the ledger: spent and reserved
 * are what they were, and spent is exactly the sum of the ledger rows (SPEC §2).
 */
@PeniaServerTest(perTest = true)
class RestartTest {
    TestServer t;

    @PeniaServerTest.Clock
    static final RunningClock CLOCK = RunningClock.midweekNoon(); // no period reset mid-test

    JsonNode reserve(String component, String cost) {
        TestServer.Resp r = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", component,
                "provider", "openai", "model", "gpt-4o", "estimated_cost", new BigDecimal(cost), "reserve", true,
                "reservation_ttl_seconds", 3600));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("allowed").asBoolean()).as(r.raw()).isTrue();
        assertThat(r.get("reservation_id").asText()).isNotBlank();
        return r.body();
    }

    static Map<String, Object> usage(String component, long in, long out, String cost, String requestId) {
        Map<String, Object> b = PeniaClient.usage(component, "openai", "gpt-4o", in, out, cost);
        if (requestId != null) {
            b.put("request_id", requestId);
        }
        return b;
    }

    /** spent and reserved of every period of the budget, as text, for an exact comparison. */
    Map<String, String> counters(String budgetId) {
        Map<String, String> m = new LinkedHashMap<>();
        Ledger.summary(t, budgetId).get("periods").fields().forEachRemaining(e -> {
            m.put(e.getKey() + ".spent", e.getValue().get("spent").decimalValue().stripTrailingZeros().toPlainString());
            m.put(e.getKey() + ".reserved",
                    e.getValue().get("reserved").decimalValue().stripTrailingZeros().toPlainString());
            m.put(e.getKey() + ".limit", e.getValue().get("limit").decimalValue().stripTrailingZeros().toPlainString());
        });
        return m;
    }

    @Test
    void restart_afterUsageAndHolds_keepsCountersEqualToLedger() {
        String component = uniq("restart");
        String id = Ledger.componentBudget(t, component, Map.of("daily", "500", "weekly", "700", "monthly", "1000"));
        Ledger.record(t, usage(component, 10, 10, "1.000001", null));
        Ledger.record(t, usage(component, 10, 10, "0.333333", null));
        Ledger.record(t, usage(component, 1234, 567, null, null));
        Ledger.record(t, usage(component, 99_999, 12_345, null, null));
        JsonNode held1 = reserve(component, "2.5");
        JsonNode held2 = reserve(component, "0.75");
        JsonNode held3 = reserve(component, "1.25");
        // One hold is settled by its record and one released: only held2 stays reserved.
        Map<String, Object> settle = usage(component, 10, 10, "2.4", null);
        settle.put("reservation_id", held1.get("reservation_id").asText());
        Ledger.record(t, settle);
        assertThat(t.post("/api/v1/reservations/" + held3.get("reservation_id").asText() + "/release", Map.of())
                .status()).isEqualTo(200);

        Map<String, String> before = counters(id);
        BigDecimal ledgerBefore = Ledger.ledgerSum(t, component);
        assertThat(new BigDecimal(before.get("monthly.spent"))).isEqualByComparingTo(ledgerBefore);
        assertThat(new BigDecimal(before.get("monthly.reserved"))).isEqualByComparingTo("0.75");

        t.restart();

        Map<String, String> after = counters(id);
        assertThat(after).isEqualTo(before);
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(5);
        BigDecimal ledgerAfter = Ledger.sum(rows);
        assertThat(ledgerAfter).isEqualByComparingTo(ledgerBefore);
        for (String p : List.of("daily", "weekly", "monthly")) {
            assertThat(new BigDecimal(after.get(p + ".spent"))).as(p).isEqualByComparingTo(ledgerAfter);
            assertThat(new BigDecimal(after.get(p + ".reserved"))).as(p).isEqualByComparingTo("0.75");
        }
        JsonNode summary = t.post("/api/v1/usage/summary", Map.of("component", component)).body();
        assertUsd(summary.get("total_cost"), ledgerAfter);
        assertThat(summary.get("count").asLong()).isEqualTo(5);

        // The surviving hold still settles after the restart; the settled one cannot be used twice.
        Map<String, Object> settle2 = usage(component, 1, 1, "0.7", null);
        settle2.put("reservation_id", held2.get("reservation_id").asText());
        JsonNode rec = Ledger.record(t, settle2);
        assertThat(rec.get("reservation_status").asText()).isEqualTo("settled");
        JsonNode monthly = Ledger.period(t, id, "monthly");
        assertUsd(monthly.get("reserved"), "0");
        assertUsd(monthly.get("spent"), Ledger.ledgerSum(t, component));
        assertUsd(monthly.get("spent"), ledgerAfter.add(new BigDecimal("0.7")));
    }

    @Test
    void restart_budgetsRecordsAndHolds_readBackUnchanged() {
        String component = uniq("restart-same");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "100"));
        Ledger.record(t, usage(component, 100, 10, null, null));
        JsonNode hold = reserve(component, "1");
        String holdId = hold.get("reservation_id").asText();
        JsonNode budget = t.get("/api/v1/budgets/" + id).body();
        List<JsonNode> rows = Ledger.rows(t, component);
        JsonNode reservation = t.get("/api/v1/reservations/" + holdId).body();

        t.restart();

        assertThat(t.get("/api/v1/budgets/" + id).body()).isEqualTo(budget);
        assertThat(Ledger.rows(t, component)).isEqualTo(rows);
        assertThat(t.get("/api/v1/reservations/" + holdId).body()).isEqualTo(reservation);
        assertThat(hold.get("expires_at").asText()).isEqualTo(reservation.get("expires_at").asText());
    }

    @Test
    void restart_holdExpiredWhileDown_isReleased() {
        io.tekton.penia.it.support.MutableClock clock =
                new io.tekton.penia.it.support.MutableClock(Instant.parse("2026-11-10T12:00:00Z"));
        try (TestServer s = TestServer.start(Map.of(), clock)) {
            String component = uniq("restart-expiry");
            String id = Ledger.componentBudget(s, component, Map.of("monthly", "100"));
            TestServer.Resp shortHold = s.post("/api/v1/budget-alerts/unified/check-operation", Map.of(
                    "component", component, "estimated_cost", new BigDecimal("4"), "reserve", true,
                    "reservation_ttl_seconds", 60));
            TestServer.Resp longHold = s.post("/api/v1/budget-alerts/unified/check-operation", Map.of(
                    "component", component, "estimated_cost", new BigDecimal("6"), "reserve", true,
                    "reservation_ttl_seconds", 3600));
            assertThat(shortHold.get("allowed").asBoolean()).as(shortHold.raw()).isTrue();
            assertThat(longHold.get("allowed").asBoolean()).as(longHold.raw()).isTrue();
            assertUsd(Ledger.period(s, id, "monthly").get("reserved"), "10");

            s.server().close();
            clock.set(Instant.parse("2026-11-10T12:02:00Z"));
            s.restart();

            assertUsd(Ledger.period(s, id, "monthly").get("reserved"), "6");
            TestServer.Resp expired = s.get("/api/v1/reservations/" + shortHold.get("reservation_id").asText());
            assertThat(expired.get("status").asText()).as(expired.raw()).isEqualTo("expired");
            TestServer.Resp live = s.get("/api/v1/reservations/" + longHold.get("reservation_id").asText());
            assertThat(live.get("status").asText()).as(live.raw()).isEqualTo("active");
        }
    }

    @Test
    void restart_sameRequestId_isStillIdempotent() {
        String component = uniq("restart-idem");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        Map<String, Object> body = usage(component, 5, 5, "0.5", uniq("req"));
        JsonNode first = Ledger.record(t, body);

        t.restart();

        TestServer.Resp again = t.post("/api/v1/usage/record", body);
        assertThat(again.status()).as(again.raw()).isEqualTo(200);
        assertThat(again.get("record_id").asText()).isEqualTo(first.get("record_id").asText());
        assertThat(Ledger.rows(t, component)).hasSize(1);
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.5");
    }

    @Test
    void restart_twice_changesNothing() {
        String component = uniq("restart-twice");
        String id = Ledger.componentBudget(t, component, Map.of("daily", "50", "monthly", "100"));
        for (int i = 1; i <= 20; i++) {
            Ledger.record(t, usage(component, i, i, "0.0" + String.format("%05d", i * 37), null));
        }
        reserve(component, "3.141592");
        Map<String, String> before = counters(id);

        t.restart();
        t.restart();

        assertThat(counters(id)).isEqualTo(before);
        assertThat(new BigDecimal(before.get("monthly.spent"))).isEqualByComparingTo(Ledger.ledgerSum(t, component));
        assertThat(new BigDecimal(before.get("monthly.reserved"))).isEqualByComparingTo("3.141592");
    }
}
