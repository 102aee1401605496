package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RollupIndexTest {
    private static final String[] COMPONENTS = {"apollo", "athena", "ergon"};
    private static final String[] MODELS = {"gpt-4o", "claude-sonnet-4-5"};

    @Test
    void coarseSums_equalBucketSums_forRandomRanges_inZonesWithDstAndOddOffsets() {
        for (String z : new String[]{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"}) {
            ZoneId zone = ZoneId.of(z);
            // The month of a DST change in the northern and southern hemispheres.
            Instant windowStart = Instant.parse("2026-10-01T00:00:00Z").atZone(zone).toLocalDate()
                    .atStartOfDay(zone).toInstant();
            RollupIndex index = new RollupIndex(windowStart, zone);
            Random rnd = new Random(z.hashCode());
            long span = 40L * 86_400;
            for (int i = 0; i < 20_000; i++) {
                long t = windowStart.getEpochSecond() - 86_400 + (long) (rnd.nextDouble() * (span + 86_400));
                index.add(LedgerStore.bucketOf(Instant.ofEpochSecond(t)), COMPONENTS[rnd.nextInt(3)], "p",
                        MODELS[rnd.nextInt(2)], "default", 1 + rnd.nextInt(1000), 1, 1, 1);
            }
            for (int i = 0; i < 150; i++) {
                Instant from = windowStart.plusSeconds((long) (rnd.nextDouble() * span) - 86_400);
                Instant to = from.plusSeconds((long) (rnd.nextDouble() * span));
                Map<RollupIndex.Dim, Long> fine = new HashMap<>();
                Map<RollupIndex.Dim, Long> coarse = new HashMap<>();
                index.forEach(from, to, (b, d, a) -> fine.merge(d, a.costMicros, Long::sum));
                index.forEachCoarse(from, to, (b, d, a) -> coarse.merge(d, a.costMicros, Long::sum));
                assertThat(coarse).as(z + " [" + from + ", " + to + ")").isEqualTo(fine);
                // A day's entry is keyed by a second of that local day: grouping by day gives the same sums.
                Map<String, Long> fineByDay = new HashMap<>();
                Map<String, Long> coarseByDay = new HashMap<>();
                index.forEach(from, to, (b, d, a) -> fineByDay.merge(
                        Instant.ofEpochSecond(b).atZone(zone).toLocalDate() + " " + d, a.costMicros, Long::sum));
                index.forEachCoarse(from, to, (b, d, a) -> coarseByDay.merge(
                        Instant.ofEpochSecond(b).atZone(zone).toLocalDate() + " " + d, a.costMicros, Long::sum));
                assertThat(coarseByDay).as(z + " by day [" + from + ", " + to + ")").isEqualTo(fineByDay);
                long scoped = fine.entrySet().stream().filter(e -> e.getKey().component().equals("athena"))
                        .mapToLong(Map.Entry::getValue).sum();
                assertThat(index.sumCost(new Scope("athena", null, null), from, to)).isEqualTo(scoped);
            }
            long[] visits = new long[2];
            Instant monthEnd = windowStart.atZone(zone).plusMonths(1).toInstant();
            index.forEach(windowStart, monthEnd, (b, d, a) -> visits[0]++);
            index.forEachCoarse(windowStart, monthEnd, (b, d, a) -> visits[1]++);
            assertThat(visits[1]).as(z + ": a month is summed by days").isLessThan(visits[0] / 10);
        }
    }

    @Test
    void advanceWindow_dropsDaysBeforeTheNewStart_fromCoarseSums() {
        ZoneId utc = ZoneId.of("UTC");
        RollupIndex index = new RollupIndex(Instant.parse("2026-10-26T00:00:00Z"), utc);
        index.add(Instant.parse("2026-10-30T10:00:00Z").getEpochSecond(), "a", "p", "m", "default", 5, 0, 0, 1);
        index.add(Instant.parse("2026-11-02T10:00:00Z").getEpochSecond(), "a", "p", "m", "default", 7, 0, 0, 1);
        index.advanceWindow(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(index.sumCost(Scope.GLOBAL, Instant.parse("2026-10-01T00:00:00Z"),
                Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo(7);
    }
}
