package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hourly periods around the 30-minute DST shifts of Australia/Lord_Howe (UTC+10:30 / +11) tile
 * time: every record lands in exactly one hourly window, the window the server reports for
 * "now" contains now, consecutive windows meet without overlap, and spent is the sum of the
 * records inside the window.
 */
class HalfHourDstTest {
    record Win(Instant start, Instant end) {
        boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }

    @Test
    void lordHowe_fallBack_everyRecordInExactlyOneHourlyWindow() {
        // 2027-04-03T15:00Z: 02:00 (+11) goes back to 01:30 (+10:30).
        walk("2027-04-03T13:50:00Z", "2027-04-03T14:00:00Z", "2027-04-03T14:59:59Z", "2027-04-03T15:00:00Z",
                "2027-04-03T15:10:00Z", "2027-04-03T15:29:59Z", "2027-04-03T15:30:00Z", "2027-04-03T16:10:00Z",
                "2027-04-03T16:40:00Z");
    }

    @Test
    void lordHowe_springForward_everyRecordInExactlyOneHourlyWindow() {
        // 2027-10-02T15:30Z: 02:00 (+10:30) jumps to 02:30 (+11).
        walk("2027-10-02T14:20:00Z", "2027-10-02T14:30:00Z", "2027-10-02T15:29:59Z", "2027-10-02T15:30:00Z",
                "2027-10-02T15:40:00Z", "2027-10-02T15:59:59Z", "2027-10-02T16:00:00Z", "2027-10-02T16:29:00Z",
                "2027-10-02T16:40:00Z", "2027-10-02T17:05:00Z");
    }

    private void walk(String... instants) {
        MutableClock clock = new MutableClock(Instant.parse(instants[0]));
        try (TestServer t = TestServer.start(Map.of("PENIA_TIMEZONE", "Australia/Lord_Howe"), clock)) {
            String component = uniq("lord-howe");
            String id = Ledger.componentBudget(t, component, Map.of("hourly", "1000000"));
            Map<Instant, BigDecimal> records = new LinkedHashMap<>();
            List<Win> windows = new ArrayList<>();
            BigDecimal cost = BigDecimal.ONE;
            for (String s : instants) {
                Instant now = Instant.parse(s);
                clock.set(now);
                Ledger.record(t, component, "openai", "gpt-4o", 1, 1, cost.toPlainString());
                records.put(now, cost);
                cost = cost.multiply(BigDecimal.TWO); // each record is one bit of spent

                JsonNode hourly = Ledger.period(t, id, "hourly");
                Win w = new Win(Instant.parse(hourly.get("period_start").asText()),
                        Instant.parse(hourly.get("period_end").asText()));
                assertThat(w.contains(now)).as("the hourly window %s reported at %s contains it", w, now).isTrue();
                BigDecimal inside = records.entrySet().stream().filter(e -> w.contains(e.getKey()))
                        .map(Map.Entry::getValue).reduce(BigDecimal.ZERO, BigDecimal::add);
                assertThat(hourly.get("spent").decimalValue()).as("spent of %s at %s", w, now)
                        .isEqualByComparingTo(inside);
                if (windows.isEmpty() || !windows.get(windows.size() - 1).equals(w)) {
                    windows.add(w);
                }
            }
            for (int i = 1; i < windows.size(); i++) {
                assertThat(windows.get(i).start()).as("window %d starts where %d ends: %s", i, i - 1, windows)
                        .isEqualTo(windows.get(i - 1).end());
            }
            // Rebuilt from the 15-minute rollups, the last hour has the same window and spent.
            JsonNode live = Ledger.period(t, id, "hourly");
            t.restart();
            JsonNode after = Ledger.period(t, id, "hourly");
            assertThat(after.get("period_start")).isEqualTo(live.get("period_start"));
            assertThat(after.get("spent").decimalValue()).isEqualByComparingTo(live.get("spent").decimalValue());
            for (Instant r : records.keySet()) {
                assertThat(windows.stream().filter(w -> w.contains(r)).count()).as("windows holding %s: %s", r, windows)
                        .isEqualTo(1);
            }
        }
    }
}
