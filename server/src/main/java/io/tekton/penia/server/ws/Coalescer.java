package io.tekton.penia.server.ws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Coalesces budget changes: a dirty set of budget ids, flushed on the hub's scheduler thread at
 * most once per interval. A change after a quiet interval is flushed at once; during a burst,
 * one flush per interval; the last flush comes at most one interval after the last change.
 *
 * <p>Exactness: a flush removes an id from the dirty set before it reads the budget's status,
 * and the engine reports a change only after committing it. So a change is either seen by
 * the read, or marks the id dirty again for the next flush; the last frame is never stale.
 */
final class Coalescer {
    private static final System.Logger LOG = System.getLogger(Coalescer.class.getName());

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ScheduledExecutorService scheduler;
    private final long intervalNanos;
    private final Consumer<String> flushOne;
    private volatile long lastFlushNanos;

    Coalescer(ScheduledExecutorService scheduler, Duration interval, Consumer<String> flushOne) {
        this.scheduler = scheduler;
        this.intervalNanos = interval.toNanos();
        this.flushOne = flushOne;
        this.lastFlushNanos = System.nanoTime() - intervalNanos;
    }

    /** Marks a budget changed. Called on engine threads: never blocks. */
    void mark(String budgetId) {
        dirty.add(budgetId);
        if (scheduled.compareAndSet(false, true)) {
            long delay = Math.max(0, lastFlushNanos + intervalNanos - System.nanoTime());
            try {
                scheduler.schedule(this::flush, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // The hub is closing; nobody is left to tell.
                scheduled.set(false);
            }
        }
    }

    private void flush() {
        lastFlushNanos = System.nanoTime();
        scheduled.set(false);
        List<String> ids = new ArrayList<>();
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            ids.add(it.next());
            it.remove();
        }
        for (String id : ids) {
            try {
                flushOne.accept(id);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "budget_update for " + id + " failed", e);
            }
        }
    }
}
