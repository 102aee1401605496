package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A usage summary that groups by day (or not by time) takes whole local days from memory as
 * one slice each: per local day and combination it must give exactly the sums of the
 * 15-minute slices, for aligned and unaligned ranges, ranges that begin before the window
 * the engine holds, and after a restart (the index then comes from the stored rollups).
 */
class SlicesByDayTest {
    private static final String[] COMPONENTS = {"apollo", "athena"};
    private static final String[][] CALLERS = {{"openai", "gpt-4o"}, {"anthropic", "claude-haiku-4-5"}};

    @TempDir
    Path dir;

    @Test
    void daySlices_equalBucketSlices_perLocalDayAndCombination() {
        // An offset that is not a whole hour, in the last third of a month.
        ZoneId zone = ZoneId.of("Asia/Kathmandu");
        Instant now = Instant.parse("2026-11-20T12:34:56Z");
        EngineConfig cfg = EngineConfig.defaults().withZone(zone).withClock(InstantSource.fixed(now));
        Instant monthStart = now.atZone(zone).withDayOfMonth(1).toLocalDate().atStartOfDay(zone).toInstant();
        Random rnd = new Random(7);
        try (SqliteStorage db = SqliteStorage.open(dir.resolve("days.db"), 4)) {
            LedgerStore store = db.ledger();
            BudgetEngine engine = BudgetEngine.open(cfg, db, Pricer.none());
            try {
                engine.start();
                // From 40 days before the month (outside the held window) up to now.
                long from = monthStart.getEpochSecond() - 40L * 86_400;
                for (int i = 0; i < 600; i++) {
                    Instant ts = Instant.ofEpochSecond(from + (long) (rnd.nextDouble() * (now.getEpochSecond() - from)));
                    String[] pm = CALLERS[rnd.nextInt(2)];
                    engine.record(new UsageInput(COMPONENTS[rnd.nextInt(2)], pm[0], pm[1], 10, 1, 0, 0, 0,
                            Money.ofMicros(1 + rnd.nextInt(100_000)), null, null, ts));
                }
                List<LedgerStore.UsageFilter> filters = filters(monthStart, now, rnd);
                compare(engine, filters, zone);
                engine.close();
                engine = BudgetEngine.open(cfg, db, Pricer.none());
                engine.start();
                compare(engine, filters, zone);
            } finally {
                engine.close();
            }
        }
    }

    private static List<LedgerStore.UsageFilter> filters(Instant monthStart, Instant now, Random rnd) {
        List<LedgerStore.UsageFilter> l = new ArrayList<>();
        Instant monthEnd = monthStart.atZone(ZoneId.of("Asia/Kathmandu")).plusMonths(1).toInstant();
        l.add(new LedgerStore.UsageFilter(null, null, null, monthStart, monthEnd));
        l.add(new LedgerStore.UsageFilter("athena", null, null, monthStart, monthEnd));
        l.add(new LedgerStore.UsageFilter(null, "openai", null, monthStart.minusSeconds(45L * 86_400), now));
        l.add(new LedgerStore.UsageFilter(null, null, null, null, null));
        for (int i = 0; i < 20; i++) {
            Instant a = monthStart.plusSeconds((long) (rnd.nextDouble() * 25 * 86_400) - 10L * 86_400);
            Instant b = a.plusSeconds(1 + (long) (rnd.nextDouble() * 15 * 86_400));
            l.add(new LedgerStore.UsageFilter(rnd.nextBoolean() ? "apollo" : null, null, null, a, b));
        }
        return l;
    }

    private static void compare(BudgetEngine engine, List<LedgerStore.UsageFilter> filters, ZoneId zone) {
        for (LedgerStore.UsageFilter f : filters) {
            Map<String, long[]> fine = byDay(engine.slices(f, false), zone);
            Map<String, long[]> coarse = byDay(engine.slices(f, true), zone);
            assertThat(coarse.keySet()).as(f.toString()).isEqualTo(fine.keySet());
            fine.forEach((k, v) -> assertThat(coarse.get(k)).as(f + " " + k).containsExactly(v));
        }
        List<UsageSlice> month = engine.slices(filters.getFirst(), false);
        assertThat(engine.slices(filters.getFirst(), true).size()).as("a month by days, not buckets")
                .isLessThan(month.size());
    }

    private static Map<String, long[]> byDay(List<UsageSlice> slices, ZoneId zone) {
        Map<String, long[]> m = new TreeMap<>();
        for (UsageSlice s : slices) {
            String k = Instant.ofEpochSecond(s.bucketSecond()).atZone(zone).toLocalDate() + " " + s.component() + " "
                    + s.provider() + " " + s.model();
            long[] v = m.computeIfAbsent(k, x -> new long[4]);
            v[0] += s.costMicros();
            v[1] += s.inputTokens();
            v[2] += s.outputTokens();
            v[3] += s.count();
        }
        return m;
    }
}
