package io.tekton.penia.engine;

import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * In-memory sums of the ledger per 15-minute bucket and component/provider/model/task type, for the
 * current periods. It mirrors the {@code usage_rollup} table (same transaction) and is what
 * checks and current-period summaries read, so they never scan raw rows.
 *
 * <p>The same sums are also kept per local day (in the engine's zone), so that a sum over a
 * month visits about 31 days instead of about 3,000 buckets for every combination: a budget
 * summary spent almost all its time walking buckets under the engine lock (JFR).
 * Not thread-safe: the engine guards it with its lock.
 */
final class RollupIndex {
    /** A component/provider/model/task type combination. */
    record Dim(String component, String provider, String model, String taskType) {
    }

    /** Running sums; mutable, owned by the index. */
    static final class Agg {
        long costMicros;
        long inputTokens;
        long outputTokens;
        long count;

        void add(long cost, long in, long out, long n) {
            // The engine keeps the ledger's totals within its bounds: these never overflow.
            costMicros = Math.addExact(costMicros, cost);
            inputTokens = Math.addExact(inputTokens, in);
            outputTokens = Math.addExact(outputTokens, out);
            count = Math.addExact(count, n);
        }
    }

    private final ZoneId zone;
    private final NavigableMap<Long, Map<Dim, Agg>> buckets = new TreeMap<>();
    /** Sums per local day, keyed by the day's first second; only days that start and end on bucket boundaries. */
    private final NavigableMap<Long, Map<Dim, Agg>> days = new TreeMap<>();
    private long windowStartSecond;
    /** The local day of the last bucket looked up (buckets come mostly in time order). */
    private long dayStart = 1;
    private long dayEnd;
    private boolean dayAligned;

    RollupIndex(Instant windowStart, ZoneId zone) {
        this.windowStartSecond = LedgerStore.bucketOf(windowStart);
        this.zone = zone;
    }

    long windowStartSecond() {
        return windowStartSecond;
    }

    /** The end of the last bucket held (the window start when none is). */
    long endSecond() {
        return buckets.isEmpty() ? windowStartSecond : buckets.lastKey() + LedgerStore.BUCKET_SECONDS;
    }

    /** True when every bucket of [from, …) is held here. */
    boolean covers(Instant from) {
        return from.getEpochSecond() >= windowStartSecond;
    }

    void add(long bucketSecond, String component, String provider, String model, String taskType, long cost, long in,
             long out, long n) {
        if (bucketSecond < windowStartSecond) {
            return;
        }
        Dim dim = new Dim(component, provider, model, taskType);
        buckets.computeIfAbsent(bucketSecond, k -> new HashMap<>(8))
                .computeIfAbsent(dim, k -> new Agg())
                .add(cost, in, out, n);
        locateDay(bucketSecond);
        if (dayAligned) {
            days.computeIfAbsent(dayStart, k -> new HashMap<>(32))
                    .computeIfAbsent(dim, k -> new Agg())
                    .add(cost, in, out, n);
        }
    }

    /** Sets dayStart/dayEnd/dayAligned to the local day that contains {@code second}. */
    private void locateDay(long second) {
        if (second >= dayStart && second < dayEnd) {
            return;
        }
        LocalDate d = Instant.ofEpochSecond(second).atZone(zone).toLocalDate();
        dayStart = d.atStartOfDay(zone).toEpochSecond();
        dayEnd = d.plusDays(1).atStartOfDay(zone).toEpochSecond();
        dayAligned = dayStart % LedgerStore.BUCKET_SECONDS == 0 && dayEnd % LedgerStore.BUCKET_SECONDS == 0;
    }

    /** Forgets every bucket; the window starts at {@code windowStart} (a reload from the ledger follows). */
    void clear(Instant windowStart) {
        buckets.clear();
        days.clear();
        windowStartSecond = LedgerStore.bucketOf(windowStart);
        dayStart = 1;
        dayEnd = 0;
        dayAligned = false;
    }

    void load(List<LedgerStore.RollupRow> rows) {
        for (LedgerStore.RollupRow r : rows) {
            // Names canonical: rows stored before they were count against today's budgets too.
            add(r.bucketSecond(), r.component(), CanonicalNames.provider(r.provider()),
                    CanonicalNames.model(r.provider(), r.model()), r.taskType(), r.costMicros(), r.inputTokens(),
                    r.outputTokens(), r.count());
        }
    }

    /** Total cost in [from, to) of everything the scope matches. */
    long sumCost(Scope scope, Instant from, Instant to) {
        long[] sum = new long[1];
        forEachCoarse(from, to, (start, d, a) -> {
            if (scope.matches(d.component, d.provider, d.model, d.taskType)) {
                sum[0] = Math.addExact(sum[0], a.costMicros);
            }
        });
        return sum[0];
    }

    /** Calls {@code visitor} for each (bucket, dim, agg) in [from, to). */
    void forEach(Instant from, Instant to, Visitor visitor) {
        for (Map.Entry<Long, Map<Dim, Agg>> b : range(from, to).entrySet()) {
            for (Map.Entry<Dim, Agg> e : b.getValue().entrySet()) {
                visitor.visit(b.getKey(), e.getKey(), e.getValue());
            }
        }
    }

    /** Calls {@code visitor} for each (bucket, dim, agg) of the whole buckets [fromSecond, toSecond) held here. */
    void forEachBucket(long fromSecond, long toSecond, Visitor visitor) {
        long f = Math.max(fromSecond, windowStartSecond);
        if (f >= toSecond) {
            return;
        }
        for (Map.Entry<Long, Map<Dim, Agg>> b : buckets.subMap(f, true, toSecond, false).entrySet()) {
            for (Map.Entry<Dim, Agg> e : b.getValue().entrySet()) {
                visitor.visit(b.getKey(), e.getKey(), e.getValue());
            }
        }
    }

    /**
     * The same sums as {@link #forEach}, with whole local days visited as one entry (keyed by
     * the day's first second): for callers that only add the sums up.
     */
    void forEachCoarse(Instant from, Instant to, Visitor visitor) {
        NavigableMap<Long, Map<Dim, Agg>> r = range(from, to);
        // The buckets range() covers: [first, end).
        long first = Math.max(LedgerStore.bucketOf(from), windowStartSecond);
        long end = LedgerStore.bucketOf(to.minusNanos(1)) + LedgerStore.BUCKET_SECONDS;
        long skipUntil = Long.MIN_VALUE;
        for (Map.Entry<Long, Map<Dim, Agg>> b : r.entrySet()) {
            long bucket = b.getKey();
            if (bucket < skipUntil) {
                continue;
            }
            locateDay(bucket);
            Map<Dim, Agg> day = dayAligned && dayStart >= first && dayEnd <= end ? days.get(dayStart) : null;
            Map<Dim, Agg> m = day != null ? day : b.getValue();
            long key = day != null ? dayStart : bucket;
            if (day != null) {
                // Every bucket of the day lies in [first, end): the day's sums stand for them all.
                skipUntil = dayEnd;
            }
            for (Map.Entry<Dim, Agg> e : m.entrySet()) {
                visitor.visit(key, e.getKey(), e.getValue());
            }
        }
    }

    @FunctionalInterface
    interface Visitor {
        void visit(long bucketSecond, Dim dim, Agg agg);
    }

    private NavigableMap<Long, Map<Dim, Agg>> range(Instant from, Instant to) {
        long f = Math.max(LedgerStore.bucketOf(from), windowStartSecond);
        long t = LedgerStore.bucketOf(to.minusNanos(1)) + 1;
        if (f >= t) {
            return new TreeMap<>();
        }
        return buckets.subMap(f, true, t, false);
    }

    /** Drops buckets before the new window start (called when periods roll over). */
    void advanceWindow(Instant newStart) {
        long s = LedgerStore.bucketOf(newStart);
        if (s > windowStartSecond) {
            buckets.headMap(s, false).clear();
            // A day that began before the new start would now count buckets no longer held.
            days.headMap(s, false).clear();
            windowStartSecond = s;
        }
    }

    int bucketCount() {
        return buckets.size();
    }

    List<Long> bucketKeys() {
        return new ArrayList<>(buckets.keySet());
    }
}
