package io.tekton.penia.engine.store;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long the ledger writer's group commits take (apply + commit + fsync, as the waiting
 * requests see it), as a cumulative histogram for {@code /metrics}. Written by the writer
 * thread only; read by anyone.
 */
public final class CommitTimes {
    /** Upper bounds of the buckets, in milliseconds (the last bucket is everything above). */
    public static final double[] BOUNDS_MS = {0.5, 1, 2, 5, 10, 25, 50, 100, 250};

    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_MS.length + 1);
    private final AtomicLong sumNanos = new AtomicLong();
    private final long[] boundsNanos = new long[BOUNDS_MS.length];

    public CommitTimes() {
        for (int i = 0; i < BOUNDS_MS.length; i++) {
            boundsNanos[i] = (long) (BOUNDS_MS[i] * 1_000_000);
        }
    }

    /** Counts one commit of that duration (by the writer thread). */
    public void add(long nanos) {
        int i = 0;
        while (i < boundsNanos.length && nanos > boundsNanos[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sumNanos.addAndGet(nanos);
    }

    /** Commits at or under each bound (cumulative, as Prometheus buckets), then the total count. */
    public long[] cumulative() {
        long[] out = new long[counts.length()];
        long run = 0;
        for (int i = 0; i < out.length; i++) {
            run += counts.get(i);
            out[i] = run;
        }
        return out;
    }

    public long sumNanos() {
        return sumNanos.get();
    }
}
