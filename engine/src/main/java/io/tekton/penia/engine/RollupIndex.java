package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * In-memory sums of the ledger per 15-minute bucket and component/provider/model, for the
 * current periods. It mirrors the {@code usage_rollup} table (same transaction) and is what
 * checks and current-period summaries read, so they never scan raw rows.
 * Not thread-safe: the engine guards it with its lock.
 */
final class RollupIndex {
    /** A component/provider/model combination. */
    record Dim(String component, String provider, String model) {
    }

    /** Running sums; mutable, owned by the index. */
    static final class Agg {
        long costMicros;
        long inputTokens;
        long outputTokens;
        long count;

        void add(long cost, long in, long out, long n) {
            costMicros += cost;
            inputTokens += in;
            outputTokens += out;
            count += n;
        }
    }

    private final NavigableMap<Long, Map<Dim, Agg>> buckets = new TreeMap<>();
    private long windowStartSecond;

    RollupIndex(Instant windowStart) {
        this.windowStartSecond = LedgerStore.bucketOf(windowStart);
    }

    long windowStartSecond() {
        return windowStartSecond;
    }

    /** True when every bucket of [from, …) is held here. */
    boolean covers(Instant from) {
        return from.getEpochSecond() >= windowStartSecond;
    }

    void add(long bucketSecond, String component, String provider, String model, long cost, long in, long out, long n) {
        if (bucketSecond < windowStartSecond) {
            return;
        }
        buckets.computeIfAbsent(bucketSecond, k -> new HashMap<>(8))
                .computeIfAbsent(new Dim(component, provider, model), k -> new Agg())
                .add(cost, in, out, n);
    }

    void load(List<LedgerStore.RollupRow> rows) {
        for (LedgerStore.RollupRow r : rows) {
            add(r.bucketSecond(), r.component(), r.provider(), r.model(), r.costMicros(), r.inputTokens(),
                    r.outputTokens(), r.count());
        }
    }

    /** Total cost in [from, to) of everything the scope matches. */
    long sumCost(Scope scope, Instant from, Instant to) {
        long sum = 0;
        for (Map<Dim, Agg> m : range(from, to).values()) {
            for (Map.Entry<Dim, Agg> e : m.entrySet()) {
                Dim d = e.getKey();
                if (scope.matches(d.component, d.provider, d.model)) {
                    sum += e.getValue().costMicros;
                }
            }
        }
        return sum;
    }

    /** Calls {@code visitor} for each (bucket, dim, agg) in [from, to). */
    void forEach(Instant from, Instant to, Visitor visitor) {
        for (Map.Entry<Long, Map<Dim, Agg>> b : range(from, to).entrySet()) {
            for (Map.Entry<Dim, Agg> e : b.getValue().entrySet()) {
                visitor.visit(b.getKey(), e.getKey(), e.getValue());
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
