package io.tekton.penia.engine.store;

import java.util.concurrent.CompletableFuture;

/**
 * The single writer of a storage: every {@link Write} is queued here and committed with the
 * others pending at that moment in one transaction (group commit). A future completes only
 * after its write is committed, or exceptionally when it failed or was refused (then nothing of
 * it is applied).
 */
public interface CommitQueue extends AutoCloseable {

    /** Queues a write, waiting a bounded time for room; the future completes after its commit. */
    CompletableFuture<Void> submit(Write write);

    /**
     * As {@link #submit}, but never waits for room: with the queue full the future is already
     * failed with {@link QueueFull} when this returns. For callers that hold a lock others wait on.
     */
    CompletableFuture<Void> offer(Write write);

    /** True while the queue has room: {@link #offer} would take a write now. */
    boolean hasRoom();

    /** Transactions committed so far. */
    long commits();

    /** Writes committed so far. */
    long writes();

    /** Writes that failed. */
    long failures();

    /** Writes waiting for their commit. */
    int queued();

    /** Why the database refuses writes (for /health), or null while it takes them. */
    String failing();

    /** Since when (epoch ms) {@link #failing()} has been set; 0 while the writer is fine. */
    long failingSinceMs();

    /** Durations of the group commits. */
    CommitTimes commitTimes();

    /** Frames in the write-ahead log at the last checkpoint; 0 for a backend without one. */
    default long walFrames() {
        return 0;
    }

    /** Checkpoints the writer ran itself to restart its write-ahead log; 0 for a backend without one. */
    default long walRestarts() {
        return 0;
    }

    /** Time the writer spent in its own checkpoints, in nanoseconds; 0 for a backend without them. */
    default long walRestartNanos() {
        return 0;
    }

    /** Commits everything queued, then stops. */
    @Override
    void close();
}
