package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.QueueFull;
import io.tekton.penia.engine.store.StoreException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The engine's one lock and the order every change follows through it. Decisions and counter
 * changes happen under the lock (microseconds), so check-and-hold is atomic; the durable write
 * is offered under the same lock (keeping ledger order, never waiting for room there) and
 * awaited outside it, so concurrent callers share commits.
 */
final class EngineLock {
    private final ReentrantLock lock = new ReentrantLock();
    private final CommitQueue writer;
    private final Listeners listeners;
    /**
     * Counts {@link #newTerm reloads}; guarded by the lock. A change made before a reload is
     * not undone in the reloaded state when its commit fails afterwards: the reload read the
     * ledger without it.
     */
    private long term;

    EngineLock(CommitQueue writer, Listeners listeners) {
        this.writer = writer;
        this.listeners = listeners;
    }

    /**
     * The one sequence of every mutating call: lock → {@code body} collects writes, alerts and
     * events into a {@link Change} → submit (an offer) → unlock and deliver the events → await
     * the commit, or undo the in-memory change under the lock if it failed → run the
     * after-commit steps and publish the alerts. Returns what {@code body} returned.
     */
    <T> T mutate(Function<Change, T> body) {
        Change c = new Change(writer);
        T result;
        CompletableFuture<Void> f;
        long madeIn;
        lock.lock();
        try {
            madeIn = term;
            result = body.apply(c);
            f = c.pending();
        } finally {
            unlockAndFire(c.events);
        }
        if (f != null) {
            awaitOrUndo(f, c.undo, madeIn);
        }
        c.committed.forEach(Runnable::run);
        listeners.publish(c.out.alerts());
        return result;
    }

    /** Runs {@code read} under the lock. */
    <T> T read(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a new term (a reload of the whole state from the ledger): under the lock, waits
     * until every write queued before is committed or failed (an empty marker write, the queue
     * being in order), then runs {@code reload}. Changes whose commits fail after this are not
     * undone: {@code reload} read the ledger without them. Fails (changing nothing) when the
     * writer does not finish within {@code drain}.
     */
    void newTerm(java.time.Duration drain, Runnable reload) {
        lock.lock();
        try {
            CompletableFuture<Void> marker = writer.submit(io.tekton.penia.engine.store.Write.all(List.of()));
            try {
                marker.get(drain.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // Failed like the writes before it (a deposed term's fence): they are over all the same.
            } catch (java.util.concurrent.TimeoutException e) {
                throw new StoreException("the ledger writer did not drain within " + drain.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted while draining the ledger writer", e);
            }
            term++;
            reload.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} with the lock left (from inside a locked body: to wait for another
     * caller's commit), then takes the lock again, whatever {@code work} did.
     */
    <T> T unlocked(Supplier<T> work) {
        lock.unlock();
        try {
            return work.get();
        } finally {
            lock.lock();
        }
    }

    /**
     * Refuses a change before it is made when the writer has no room for its write (issue 18):
     * the engine never waits for room under its lock, and a write it cannot queue must leave
     * nothing changed in memory. (A write refused all the same, the room taken meanwhile by a
     * writer outside the lock, is undone after the unlock like a failed commit.)
     */
    void requireRoom() {
        if (!writer.hasRoom()) {
            throw busy();
        }
    }

    /** A write the writer's full queue refused: 503 {@code unavailable}, to be retried in a second. */
    static PeniaException busy() {
        return new PeniaException(ErrorCode.UNAVAILABLE, "the ledger writer is busy (its queue is full); retry in 1 s",
                Map.of("retry_after_seconds", 1));
    }

    /** True when the writer's full queue refused the write at once (it is not applied). */
    static boolean refused(CompletableFuture<Void> f) {
        return f.state() == java.util.concurrent.Future.State.FAILED
                && f.exceptionNow() instanceof QueueFull;
    }

    /**
     * Leaves the lock, then runs the events collected under it (issue 18): from the finally of
     * the locked block, so that a method throwing (or returning) inside the lock, or failing
     * later, still delivers what its expiries and rollovers did.
     */
    private void unlockAndFire(List<Runnable> events) {
        lock.unlock();
        List<Runnable> due = List.copyOf(events);
        events.clear();
        due.forEach(Runnable::run);
    }

    private void awaitOrUndo(CompletableFuture<Void> f, List<Runnable> undo, long madeIn) {
        try {
            await(f);
        } catch (RuntimeException e) {
            lock.lock();
            try {
                if (term == madeIn) {
                    undo.forEach(Runnable::run);
                }
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /**
     * Waits for a commit without a time limit, and without giving up when interrupted. A timed
     * wait (it was {@code get(30 s)}) made every parked request virtual thread schedule and
     * cancel a timer in the carrier pool's delay scheduler: A/B on check+settle, 4 rounds,
     * 20-37 µs less request-thread CPU per request without it. The writer completes every
     * future it accepted (committed, failed, or refused when closed), so no wait is left
     * hanging; and a write that is queued will be committed or not whatever this thread is
     * told, so the in-memory state is undone only when the ledger says it failed (an
     * interrupt is kept for the caller).
     */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException | CancellationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof PeniaException pe) {
                throw pe;
            }
            if (c instanceof QueueFull) {
                throw busy();
            }
            throw new StoreException("ledger write failed: " + c.getMessage(), c);
        }
    }
}
