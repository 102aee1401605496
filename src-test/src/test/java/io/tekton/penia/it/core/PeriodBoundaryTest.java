package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calendar period boundaries in PENIA_TIMEZONE (SPEC §2): a record made just before a boundary
 * counts for the period it was made in and not for the next one. The server's clock is moved
 * by hand; records without a timestamp take the server's time.
 */
class PeriodBoundaryTest {
    static final String BERLIN = "Europe/Berlin";
    TestServer t;
    PeniaClient penia;
    MutableClock clock;

    /** Each test starts its own server: the zone and the start time differ from test to test. */
    void start(String zone, String at) {
        clock = new MutableClock(Instant.parse(at));
        t = TestServer.start(zone == null ? Map.of() : Map.of("PENIA_TIMEZONE", zone), clock);
        penia = PeniaClient.of(t);
    }

    @AfterEach
    void down() {
        if (t != null) {
            t.close();
        }
    }

    /** The fresh component and its budget that a test starts with. */
    record Started(String component, String budgetId) {
    }

    /** Starts the server at {@code at} with a budget on a fresh component and {@code cost} recorded there. */
    Started startAndRecord(String zone, String at, String name, String cost) {
        start(zone, at);
        String component = uniq(name);
        String id = budget(component);
        recordNow(component, cost);
        return new Started(component, id);
    }

    String budget(String component) {
        return penia.componentBudget(component, Map.of("daily", "10", "weekly", "50", "monthly", "100"));
    }

    JsonNode recordNow(String component, String cost) {
        JsonNode r = penia.record(component, cost);
        assertThat(Instant.parse(r.get("timestamp").asText())).isEqualTo(clock.instant());
        return r;
    }

    JsonNode period(String budgetId, String p) {
        return penia.period(budgetId, p);
    }

    void assertWindow(JsonNode period, String start, String end) {
        assertThat(period.get("period_start").asText()).isEqualTo(start);
        assertThat(period.get("period_end").asText()).isEqualTo(end);
    }

    JsonNode check(String component, String estimate) {
        return penia.check(component, estimate);
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
        return penia.usageSummary(Map.of("component", component, "period", period));
    }

    @Test
    void summary_projected_isSpendAtTheCurrentBurnRate() {
        // Tuesday 06:00 UTC: a quarter of the day, 30 of the week's 168 hours, 390 of November's 720 hours.
        Started s = startAndRecord(null, "2026-11-17T06:00:00Z", "projected", "2.5");
        String component = s.component();
        String id = s.budgetId();

        assertUsd(period(id, "daily").get("projected"), "10");
        assertUsd(period(id, "weekly").get("projected"), "14");
        assertUsd(period(id, "monthly").get("projected"), "4.615385");
        assertThat(period(id, "daily").get("percent").decimalValue()).isEqualByComparingTo("25");
        assertUsd(period(id, "daily").get("remaining"), "7.5");
    }

    /**
     * One row of the boundary script: a record one second before {@code period} ends counts in the
     * window {@code oldStart..newStart}; one second after, that period is at 0 in {@code newStart..newEnd}
     * while {@code kept} periods still hold the record and {@code reset} ones are at 0 too.
     */
    record Boundary(String zone, String lastSecond, String period, String oldStart, String newStart, String newEnd,
                    List<String> kept, List<String> reset) {
        @Override
        public String toString() {
            return period + " ending at " + newStart + " in " + (zone == null ? "UTC" : zone);
        }
    }

    static Stream<Boundary> boundaries() {
        // 2026-11-17 is a Tuesday, 2026-11-22 a Sunday, 2026-11-30 a Monday (its ISO week goes on).
        return Stream.of(
                new Boundary(null, "2026-11-17T23:59:59Z", "daily", "2026-11-17T00:00:00Z",
                        "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z", List.of("weekly", "monthly"), List.of()),
                new Boundary(BERLIN, "2026-11-17T22:59:59Z", "daily", "2026-11-16T23:00:00Z",
                        "2026-11-17T23:00:00Z", "2026-11-18T23:00:00Z", List.of("weekly", "monthly"), List.of()),
                new Boundary(null, "2026-11-22T23:59:59Z", "weekly", "2026-11-16T00:00:00Z",
                        "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", List.of("monthly"), List.of("daily")),
                new Boundary(BERLIN, "2026-11-22T22:59:59Z", "weekly", "2026-11-15T23:00:00Z",
                        "2026-11-22T23:00:00Z", "2026-11-29T23:00:00Z", List.of("monthly"), List.of("daily")),
                new Boundary(null, "2026-11-30T23:59:59Z", "monthly", "2026-11-01T00:00:00Z",
                        "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", List.of("weekly"), List.of("daily")),
                new Boundary(BERLIN, "2026-11-30T22:59:59Z", "monthly", "2026-10-31T23:00:00Z",
                        "2026-11-30T23:00:00Z", "2026-12-31T23:00:00Z", List.of("weekly"), List.of("daily")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void record_inThePeriodsLastSecond_countsForThatPeriodOnly(Boundary b) {
        Started s = startAndRecord(b.zone(), b.lastSecond(), "edge-" + b.period(), "7.000001");
        String component = s.component();
        String id = s.budgetId();
        assertWindow(period(id, b.period()), b.oldStart(), b.newStart());
        assertUsd(period(id, b.period()).get("spent"), "7.000001");

        clock.set(Instant.parse(b.newStart()).plusSeconds(1));

        JsonNode now = period(id, b.period());
        assertUsd(now.get("spent"), "0");
        assertWindow(now, b.newStart(), b.newEnd());
        b.kept().forEach(p -> assertUsd(period(id, p).get("spent"), "7.000001"));
        b.reset().forEach(p -> assertUsd(period(id, p).get("spent"), "0"));
        assertUsd(usageSummary(component, b.period()).get("total_cost"), "0");
        assertThat(penia.ledgerSum(component)).isEqualByComparingTo("7.000001");
    }

    @Test
    void record_at235959_countsForThatDayOnly() {
        Started s = startAndRecord(null, "2026-11-17T23:59:59Z", "day-edge", "9");
        String component = s.component();
        String id = s.budgetId();
        assertThat(check(component, "1").get("decision").asText()).as("9 + 1 of a $10 day").isEqualTo("block");

        clock.set(Instant.parse("2026-11-18T00:00:01Z"));

        // The day's window and spent are the boundary script's (above); here: the check and later records.
        assertThat(check(component, "1").get("decision").asText()).as("a new day").isEqualTo("allow");
        recordNow(component, "2.5");
        assertUsd(period(id, "daily").get("spent"), "2.5");
        assertUsd(period(id, "monthly").get("spent"), "11.5");
        assertUsd(usageSummary(component, "daily").get("total_cost"), "2.5");
        assertUsd(usageSummary(component, "weekly").get("total_cost"), "11.5");
        assertThat(byDay(component, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"))
                .containsExactly(Map.entry("2026-11-17", "9"), Map.entry("2026-11-18", "2.5"));
        assertThat(penia.ledgerSum(component)).isEqualByComparingTo("11.5");
    }

    @Test
    void record_atMidnightExactly_countsForTheNewDay() {
        start(null, "2026-11-18T00:00:00Z");
        String component = uniq("day-zero");
        String id = budget(component);
        // A record stamped one second earlier belongs to the previous day.
        Map<String, Object> late = new HashMap<>(Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 1, "output_tokens", 1, "cost", new BigDecimal("4"), "timestamp", "2026-11-17T23:59:59Z"));
        penia.record(late);
        recordNow(component, "1");

        assertUsd(period(id, "daily").get("spent"), "1");
        assertUsd(period(id, "monthly").get("spent"), "5");
    }

    @Test
    void record_beforeMonthEnd_leavesNewMonthAtZero_berlin() {
        // 2026-11-30 23:59:59 in Berlin (CET, UTC+1); 2026-11-30 is a Monday, so the ISO week goes on.
        Started s = startAndRecord(BERLIN, "2026-11-30T22:59:59Z", "month-edge", "3.25");
        String component = s.component();
        String id = s.budgetId();

        clock.set(Instant.parse("2026-11-30T23:00:01Z"));

        // The month's window and spent are the boundary script's (above); here: the new day and later records.
        assertWindow(period(id, "daily"), "2026-11-30T23:00:00Z", "2026-12-01T23:00:00Z");
        recordNow(component, "1");
        assertUsd(period(id, "monthly").get("spent"), "1");
        assertUsd(period(id, "weekly").get("spent"), "4.25");
        assertThat(byDay(component, "2026-11-29T23:00:00Z", "2026-12-01T23:00:00Z"))
                .containsExactly(Map.entry("2026-11-30", "3.25"), Map.entry("2026-12-01", "1"));
    }

    @Test
    void record_onDstFallBackDay_countsFor25HourDay_berlin() {
        // 2026-10-25: clocks go back at 03:00 CEST; the day runs 2026-10-24T22:00Z .. 2026-10-25T23:00Z (25 h).
        Started s = startAndRecord(BERLIN, "2026-10-24T21:59:59Z", "dst", "0.25"); // 23:59:59 CEST, Oct 24
        String component = s.component();
        String id = s.budgetId();
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
