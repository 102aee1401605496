package io.tekton.penia.engine;

import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads of usage over time: slices of a summary (whole buckets from memory or the stored
 * rollups, raw rows at unaligned edges), a budget's breakdown by a dimension, the providers
 * in use. No side effects.
 */
final class UsageQueries {
    private final EngineContext ctx;
    private final Counters counters;

    UsageQueries(EngineContext ctx, Counters counters) {
        this.ctx = ctx;
        this.counters = counters;
    }

    /** Sums by a dimension of what a budget's scope matched in [from, to), from memory. */
    Map<String, long[]> breakdown(String budgetId, Instant from, Instant to, String dimension) {
        return ctx.lock().read(() -> {
            Scope scope = counters.state(budgetId).budget.scope();
            Map<String, long[]> out = new TreeMap<>();
            // Whole days at once: this runs under the engine lock, once per dimension.
            counters.rollups.forEachCoarse(from, to, (bucket, d, a) -> {
                if (scope.matches(d.component(), d.provider(), d.model(), d.taskType())) {
                    String k = switch (dimension) {
                        case "provider" -> d.provider();
                        case "model" -> d.model();
                        default -> d.component();
                    };
                    long[] v = out.computeIfAbsent(k, x -> new long[4]);
                    v[0] = Math.addExact(v[0], a.costMicros);
                    v[1] = Math.addExact(v[1], a.inputTokens);
                    v[2] = Math.addExact(v[2], a.outputTokens);
                    v[3] = Math.addExact(v[3], a.count);
                }
            });
            return out;
        });
    }

    /** The providers budgets' scopes name and those with usage in the window held in memory. */
    SortedSet<String> providersInUse() {
        SortedSet<String> used = new TreeSet<>();
        return ctx.lock().read(() -> {
            for (BudgetState s : counters.all()) {
                if (s.budget.scope().provider() != null) {
                    used.add(s.budget.scope().provider());
                }
            }
            Instant from = Instant.ofEpochSecond(counters.rollups.windowStartSecond());
            // Usage may carry a timestamp ahead of the clock: the window's end is far enough out.
            counters.rollups.forEachCoarse(from, from.plus(Duration.ofDays(3_660)), (bucket, d, a) -> {
                if (d.provider() != null) {
                    used.add(d.provider());
                }
            });
            return used;
        });
    }

    /** See {@link BudgetEngine#slices(LedgerStore.UsageFilter, boolean)}. */
    List<UsageSlice> slices(LedgerStore.UsageFilter f, boolean byDay) {
        Instant from = f.start();
        Instant to = f.end();
        List<UsageSlice> out = new ArrayList<>();
        long firstWhole = from == null ? Long.MIN_VALUE / 2 : ceilBucket(from);
        long endWhole = to == null ? Long.MAX_VALUE / 2 : LedgerStore.bucketOf(to);
        if (firstWhole < endWhole) {
            wholeBuckets(f, firstWhole, endWhole, byDay, out);
            if (from != null && from.getEpochSecond() < firstWhole) {
                raw(new LedgerStore.UsageFilter(f.component(), f.provider(), f.model(), f.taskType(), from,
                        Instant.ofEpochSecond(firstWhole)), out);
            }
            if (to != null && to.isAfter(Instant.ofEpochSecond(endWhole))) {
                raw(new LedgerStore.UsageFilter(f.component(), f.provider(), f.model(), f.taskType(),
                        Instant.ofEpochSecond(endWhole), to), out);
            }
        } else {
            raw(f, out);
        }
        return out;
    }

    /**
     * Whole buckets [fromBucket, toBucket), oldest first: from the stored rollups before the
     * window the index holds, from memory after. (Reading the held part through JDBC too, as
     * for unaligned ends, cost a 1M-row summary over 100 ms in JFR, against 10 from memory.)
     */
    private void wholeBuckets(LedgerStore.UsageFilter f, long fromBucket, long toBucket, boolean byDay,
                              List<UsageSlice> out) {
        List<UsageSlice> held = new ArrayList<>();
        RollupIndex rollups = counters.rollups;
        long heldFrom = ctx.lock().read(() -> {
            long start = Math.max(fromBucket, rollups.windowStartSecond());
            Scope filter = new Scope(f.component(), f.provider(), f.model(), f.taskType());
            RollupIndex.Visitor add = (bucket, d, a) -> {
                if (filter.matches(d.component(), d.provider(), d.model(), d.taskType()) && a.count != 0) {
                    held.add(new UsageSlice(bucket, d.component(), d.provider(), d.model(), d.taskType(),
                            a.costMicros, a.inputTokens, a.outputTokens, a.count));
                }
            };
            if (!byDay) {
                rollups.forEachBucket(start, toBucket, add);
            } else {
                // An open end (Long.MAX_VALUE / 2) is no Instant: end at the last bucket held.
                long to = Math.min(toBucket, rollups.endSecond());
                if (start < to) {
                    rollups.forEachCoarse(Instant.ofEpochSecond(start), Instant.ofEpochSecond(to), add);
                }
            }
            return start;
        });
        if (fromBucket < heldFrom) {
            for (LedgerStore.RollupRow r : ctx.store().sumRollups(f, fromBucket, Math.min(heldFrom, toBucket))) {
                out.add(slice(r));
            }
        }
        out.addAll(held);
    }

    private void raw(LedgerStore.UsageFilter f, List<UsageSlice> out) {
        ctx.store().requireLive(f);
        for (LedgerStore.RollupRow r : ctx.store().sumRaw(f, true)) {
            out.add(slice(r));
        }
    }

    /** A stored row as a slice, its names canonical (rows stored before names were canonical merge with later ones). */
    private static UsageSlice slice(LedgerStore.RollupRow r) {
        return new UsageSlice(r.bucketSecond(), r.component(), CanonicalNames.provider(r.provider()),
                CanonicalNames.model(r.provider(), r.model()), r.taskType(), r.costMicros(), r.inputTokens(),
                r.outputTokens(), r.count());
    }

    private static long ceilBucket(Instant t) {
        long b = LedgerStore.bucketOf(t);
        return b == t.getEpochSecond() && t.getNano() == 0 ? b : b + LedgerStore.BUCKET_SECONDS;
    }
}
