package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calendar period boundaries in PENIA_TIMEZONE (SPEC §2): a record made just before a boundary
 * counts for the period it was made in and not for the next one. The server's clock is moved
 * by hand; records without a timestamp take the server's time.
 */
class PeriodBoundaryTest {
    static final String BERLIN = "Europe/Berlin";
    TestServer t;
    MutableClock clock;

    void start(String zone, String at) {
        clock = new MutableClock(Instant.parse(at));
        t = TestServer.start(zone == null ? Map.of() : Map.of("PENIA_TIMEZONE", zone), clock);
    }

    @AfterEach
    void down() {
        if (t != null) {
            t.close();
        }
    }

    String budget(String component) {
        return Ledger.componentBudget(t, component, Map.of("daily", "10", "weekly", "50", "monthly", "100"));
    }

    JsonNode recordNow(String component, String cost) {
        JsonNode r = Ledger.record(t, component, "openai", "gpt-4o", 10, 10, cost);
        assertThat(Instant.parse(r.get("timestamp").asText())).isEqualTo(clock.instant());
        return r;
    }

    JsonNode period(String budgetId, String p) {
        return Ledger.period(t, budgetId, p);
    }

    void assertWindow(JsonNode period, String start, String end) {
        assertThat(period.get("period_start").asText()).isEqualTo(start);
        assertThat(period.get("period_end").asText()).isEqualTo(end);
    }

    JsonNode check(String component, String estimate) {
        TestServer.Resp r = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", component,
                "estimated_cost", new BigDecimal(estimate)));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    Map<String, String> byDay(String component, String start, String end) {
        TestServer.Resp r = t.post("/api/v1/usage/summary", Map.of("component", component, "start", start,
                "end", end, "group_by", List.of("day")));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        Map<String, String> m = new LinkedHashMap<>();
        r.get("groups").forEach(g -> m.put(g.get("day").asText(),
                g.get("cost").decimalValue().stripTrailingZeros().toPlainString()));
        return m;
    }

    JsonNode usageSummary(String component, String period) {
        TestServer.Resp r = t.post("/api/v1/usage/summary", Map.of("component", component, "period", period));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    @Test
    void summary_projected_isSpendAtTheCurrentBurnRate() {
        // Tuesday 06:00 UTC: a quarter of the day, 30 of the week's 168 hours, 390 of November's 720 hours.
        start(null, "2026-11-17T06:00:00Z");
        String component = uniq("projected");
        String id = budget(component);
        recordNow(component, "2.5");

        assertUsd(period(id, "daily").get("projected"), "10");
        assertUsd(period(id, "weekly").get("projected"), "14");
        assertUsd(period(id, "monthly").get("projected"), "4.615385");
        assertThat(period(id, "daily").get("percent").decimalValue()).isEqualByComparingTo("25");
        assertUsd(period(id, "daily").get("remaining"), "7.5");
    }

    @Test
    void record_at235959_countsForThatDayOnly() {
        start(null, "2026-11-17T23:59:59Z");
        String component = uniq("day-edge");
        String id = budget(component);
        recordNow(component, "9");
        assertUsd(period(id, "daily").get("spent"), "9");
        assertWindow(period(id, "daily"), "2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z");
        assertThat(check(component, "1").get("decision").asText()).as("9 + 1 of a $10 day").isEqualTo("block");

        clock.set(Instant.parse("2026-11-18T00:00:01Z"));

        JsonNode daily = period(id, "daily");
        assertUsd(daily.get("spent"), "0");
        assertWindow(daily, "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z");
        assertUsd(period(id, "weekly").get("spent"), "9");
        assertUsd(period(id, "monthly").get("spent"), "9");
        assertThat(check(component, "1").get("decision").asText()).as("a new day").isEqualTo("allow");
        assertUsd(usageSummary(component, "daily").get("total_cost"), "0");
        recordNow(component, "2.5");
        assertUsd(period(id, "daily").get("spent"), "2.5");
        assertUsd(period(id, "monthly").get("spent"), "11.5");
        assertUsd(usageSummary(component, "daily").get("total_cost"), "2.5");
        assertUsd(usageSummary(component, "weekly").get("total_cost"), "11.5");
        assertThat(byDay(component, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"))
                .containsExactly(Map.entry("2026-11-17", "9"), Map.entry("2026-11-18", "2.5"));
        assertThat(Ledger.ledgerSum(t, component)).isEqualByComparingTo("11.5");
    }

    @Test
    void record_atMidnightExactly_countsForTheNewDay() {
        start(null, "2026-11-18T00:00:00Z");
        String component = uniq("day-zero");
        String id = budget(component);
        // A record stamped one second earlier belongs to the previous day.
        Map<String, Object> late = new HashMap<>(Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 1, "output_tokens", 1, "cost", new BigDecimal("4"), "timestamp", "2026-11-17T23:59:59Z"));
        Ledger.record(t, late);
        recordNow(component, "1");

        assertUsd(period(id, "daily").get("spent"), "1");
        assertUsd(period(id, "monthly").get("spent"), "5");
    }

    @Test
    void record_beforeMonthEnd_leavesNewMonthAtZero_berlin() {
        // 2026-11-30 23:59:59 in Berlin (CET, UTC+1); 2026-11-30 is a Monday, so the ISO week goes on.
        start(BERLIN, "2026-11-30T22:59:59Z");
        String component = uniq("month-edge");
        String id = budget(component);
        recordNow(component, "3.25");
        assertWindow(period(id, "monthly"), "2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z");
        assertUsd(period(id, "monthly").get("spent"), "3.25");

        clock.set(Instant.parse("2026-11-30T23:00:01Z"));

        JsonNode monthly = period(id, "monthly");
        assertUsd(monthly.get("spent"), "0");
        assertWindow(monthly, "2026-11-30T23:00:00Z", "2026-12-31T23:00:00Z");
        assertUsd(period(id, "daily").get("spent"), "0");
        assertWindow(period(id, "daily"), "2026-11-30T23:00:00Z", "2026-12-01T23:00:00Z");
        assertUsd(period(id, "weekly").get("spent"), "3.25");
        TestServer.Resp month = t.post("/api/v1/usage/summary", Map.of("component", component, "period", "monthly"));
        assertUsd(month.get("total_cost"), "0");
        recordNow(component, "1");
        assertUsd(period(id, "monthly").get("spent"), "1");
        assertUsd(period(id, "weekly").get("spent"), "4.25");
        assertThat(byDay(component, "2026-11-29T23:00:00Z", "2026-12-01T23:00:00Z"))
                .containsExactly(Map.entry("2026-11-30", "3.25"), Map.entry("2026-12-01", "1"));
    }

    @Test
    void record_onSundayNight_leavesNewIsoWeekAtZero_berlin() {
        // Sunday 2026-11-22 23:59:59 in Berlin; Monday 2026-11-23 starts a new ISO week.
        start(BERLIN, "2026-11-22T22:59:59Z");
        String component = uniq("week-edge");
        String id = budget(component);
        recordNow(component, "7.000001");
        assertWindow(period(id, "weekly"), "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z");
        assertUsd(period(id, "weekly").get("spent"), "7.000001");

        clock.set(Instant.parse("2026-11-22T23:00:01Z"));

        JsonNode weekly = period(id, "weekly");
        assertUsd(weekly.get("spent"), "0");
        assertWindow(weekly, "2026-11-22T23:00:00Z", "2026-11-29T23:00:00Z");
        assertUsd(period(id, "daily").get("spent"), "0");
        assertUsd(period(id, "monthly").get("spent"), "7.000001");
        assertThat(Ledger.ledgerSum(t, component)).isEqualByComparingTo("7.000001");
    }

    @Test
    void record_onDstFallBackDay_countsFor25HourDay_berlin() {
        // 2026-10-25: clocks go back at 03:00 CEST; the day runs 2026-10-24T22:00Z .. 2026-10-25T23:00Z (25 h).
        start(BERLIN, "2026-10-24T21:59:59Z");
        String component = uniq("dst");
        String id = budget(component);
        recordNow(component, "0.25");                        // 23:59:59 CEST, Oct 24
        clock.set(Instant.parse("2026-10-24T22:00:00Z"));    // 00:00 CEST, Oct 25
        recordNow(component, "0.5");
        clock.set(Instant.parse("2026-10-25T22:30:00Z"));    // 23:30 CET, still Oct 25
        recordNow(component, "0.75");

        JsonNode daily = period(id, "daily");
        assertWindow(daily, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
        assertUsd(daily.get("spent"), "1.25");

        clock.set(Instant.parse("2026-10-25T23:00:00Z"));    // 00:00 CET, Monday Oct 26

        daily = period(id, "daily");
        assertWindow(daily, "2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z");
        assertUsd(daily.get("spent"), "0");
        assertUsd(period(id, "weekly").get("spent"), "0");
        assertUsd(period(id, "monthly").get("spent"), "1.5");
        assertThat(byDay(component, "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z"))
                .containsExactly(Map.entry("2026-10-24", "0.25"),
                        Map.entry("2026-10-25", "1.25"));
    }
}
