package io.tekton.penia.tools.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Reason;
import org.junit.jupiter.api.Test;

class StreamedTest {

    @Test
    void plainUsd_isBigDecimalsPlainText_forEdgesAndRandomAmounts() {
        long[] edges = {0, 1, -1, 10, 999_999, 1_000_000, -1_000_000, 10_000_000, 12_500_000, -12_500_001,
                100_000, 1_000_001, Money.MAX_MICROS, -Money.MAX_MICROS, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MIN_VALUE};
        for (long m : edges) {
            assertThat(Streamed.plainUsd(m)).as("micros %d", m).isEqualTo(reference(m));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long m = random.nextLong(-10_000_000_000L, 10_000_000_000L);
            if (i % 3 == 0) {
                m -= m % 1000; // many trailing zeros
            }
            assertThat(Streamed.plainUsd(m)).as("micros %d", m).isEqualTo(reference(m));
        }
    }

    @Test
    void check_asJson_hasEveryFieldWithExactDecimals() throws Exception {
        Reason reason = new Reason("global", Period.DAILY, "guardrail", Money.ofMicros(1_250_000), Money.ofMicros(0),
                Money.ofMicros(10_000_000), new BigDecimal("12.50"), Reason.Level.OK, "within limit");
        Reservation hold = new Reservation("res_1", "athena", "openai", "gpt-4o", Money.ofMicros(30_000),
                List.of("global"), Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T10:05:00Z"), "held");
        CheckResult r = new CheckResult(new Decision.Allow(List.of(reason)), Money.ofMicros(8_750_000),
                Money.ofMicros(30_000), hold);

        String json = Json.mapper().writeValueAsString(Streamed.check(r));

        assertThat(json).isEqualTo("{\"decision\":\"allow\",\"allowed\":true,\"reasons\":[{\"budget_id\":\"global\","
                + "\"period\":\"daily\",\"monitor\":\"guardrail\",\"spent\":1.25,\"reserved\":0,\"limit\":10,"
                + "\"projected_percent\":12.50,\"level\":\"ok\",\"detail\":\"within limit\"}],\"remaining\":8.75,"
                + "\"estimated_cost\":0.03,\"reservation_id\":\"res_1\",\"expires_at\":\"2026-11-23T10:05:00Z\"}");
        Map<String, Object> map = Streamed.asMap(Streamed.check(r));
        assertThat(map.get("remaining")).isEqualTo(new BigDecimal("8.75"));
        assertThat(map).containsEntry("decision", "allow").containsEntry("reservation_id", "res_1");
    }

    private static String reference(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    @org.junit.jupiter.api.Test
    void isoMillis_writesWhatInstantToStringWrites_orDefersToIt() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        java.util.List<java.time.Instant> cases = new java.util.ArrayList<>(java.util.List.of(
                java.time.Instant.EPOCH, java.time.Instant.parse("2000-02-29T23:59:59.999Z"),
                java.time.Instant.parse("2100-03-01T00:00:00Z"), java.time.Instant.parse("2026-11-24T02:02:41.310Z"),
                java.time.Instant.parse("2024-12-31T23:59:59.001Z"), java.time.Instant.parse("9999-12-31T23:59:59.999Z"),
                java.time.Instant.parse("1969-12-31T23:59:59.500Z"), java.time.Instant.parse("2026-01-01T00:00:00.000123Z"),
                java.time.Instant.parse("+10000-01-01T00:00:00Z")));
        for (int i = 0; i < 100_000; i++) {
            cases.add(java.time.Instant.ofEpochMilli(rnd.nextLong(0, 253_402_300_800_000L)));
        }
        char[] buf = new char[24];
        int fast = 0;
        for (java.time.Instant t : cases) {
            int n = Streamed.isoMillis(t, buf);
            if (n > 0) {
                fast++;
                org.assertj.core.api.Assertions.assertThat(new String(buf, 0, n)).isEqualTo(t.toString());
            }
        }
        // Everything but 1969, the microsecond fraction and year 10000 takes the fast path.
        org.assertj.core.api.Assertions.assertThat(fast).isEqualTo(cases.size() - 3);
    }
}
