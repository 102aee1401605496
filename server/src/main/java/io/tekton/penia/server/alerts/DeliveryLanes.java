package io.tekton.penia.server.alerts;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One lane per destination (a channel type and host, or the mail server): each runs at most
 * {@code concurrency} sends at once and keeps at most {@code queueLimit} more waiting, in
 * arrival order. Sends run on virtual threads, or on platform threads for destinations whose
 * client would pin a carrier (e-mail). A destination that never answers fills only its own
 * lane; every other destination keeps its own senders. A lane with nothing to do is dropped.
 *
 * <p>Only delivery ids travel here: the row in the outbox stays the truth, so an id that is
 * refused (lane full) or dropped at shutdown is simply still pending and is offered again.
 */
final class DeliveryLanes implements AutoCloseable {
    /** Lanes busy at once, at most: a bound on threads whatever the number of channels. */
    static final int MAX_LANES = 1024;

    private final int concurrency;
    private final int queueLimit;
    private final Consumer<String> send;
    private final Predicate<String> needsPlatformThreads;
    private final ExecutorService virtualThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("penia-alert-send-", 1).factory());
    // Jakarta Mail blocks on sockets inside synchronized methods, which before JDK 24 pins a
    // virtual thread to its carrier: a hung mail server could then stall every lane.
    private final ExecutorService platformThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().daemon(true).name("penia-alert-send-p", 1).factory());
    // Guarded by this.
    private final Map<String, Lane> lanes = new HashMap<>();
    private boolean closed;

    /** What one destination is doing: sends running, ids waiting. Guarded by the owner. */
    private static final class Lane {
        final String key;
        final ExecutorService threads;
        final ArrayDeque<String> waiting = new ArrayDeque<>();
        int running;

        Lane(String key, ExecutorService threads) {
            this.key = key;
            this.threads = threads;
        }
    }

    /**
     * @param send                 one attempt for a delivery id; it must not throw
     * @param needsPlatformThreads destinations whose sends must not run on virtual threads
     */
    DeliveryLanes(int concurrency, int queueLimit, Consumer<String> send, Predicate<String> needsPlatformThreads) {
        if (concurrency < 1 || queueLimit < 1) {
            throw new IllegalArgumentException("concurrency " + concurrency + " and queue limit " + queueLimit
                    + " must be at least 1");
        }
        this.concurrency = concurrency;
        this.queueLimit = queueLimit;
        this.send = send;
        this.needsPlatformThreads = needsPlatformThreads;
    }

    /** Sends at once when the lane has a free sender, else queues; false when the lane is full or closed. */
    synchronized boolean offer(String destination, String deliveryId) {
        if (closed) {
            return false;
        }
        Lane lane = lanes.get(destination);
        if (lane == null) {
            if (lanes.size() >= MAX_LANES) {
                return false;
            }
            lane = new Lane(destination, needsPlatformThreads.test(destination) ? platformThreads : virtualThreads);
            lanes.put(destination, lane);
        }
        if (lane.running < concurrency) {
            Lane l = lane;
            try {
                lane.threads.execute(() -> run(l, deliveryId));
            } catch (RejectedExecutionException e) {
                dropIfIdle(lane);
                return false;
            }
            lane.running++;
            return true;
        }
        if (lane.waiting.size() < queueLimit) {
            lane.waiting.addLast(deliveryId);
            return true;
        }
        return false;
    }

    /** A sender works through its lane's queue until it is empty. */
    private void run(Lane lane, String first) {
        String id = first;
        while (id != null) {
            try {
                send.accept(id);
            } catch (RuntimeException e) {
                // The attempt logs its own failures; the lane goes on with the next id.
            }
            id = next(lane);
        }
    }

    private synchronized String next(Lane lane) {
        String id = closed || Thread.currentThread().isInterrupted() ? null : lane.waiting.pollFirst();
        if (id == null) {
            lane.running--;
            dropIfIdle(lane);
        }
        return id;
    }

    private void dropIfIdle(Lane lane) {
        if (lane.running == 0 && (closed || lane.waiting.isEmpty()) && lanes.get(lane.key) == lane) {
            lanes.remove(lane.key);
        }
    }

    /** Sends running and ids waiting, over all lanes, and the lanes busy. */
    record Load(int sending, int queued, int destinations) {
    }

    synchronized Load load() {
        int running = 0;
        int waiting = 0;
        for (Lane l : lanes.values()) {
            running += l.running;
            waiting += l.waiting.size();
        }
        return new Load(running, waiting, lanes.size());
    }

    /**
     * Takes nothing more and forgets what waits; lets running sends finish for up to
     * {@code graceMillis}, then interrupts them and waits up to {@code interruptMillis}.
     */
    void close(long graceMillis, long interruptMillis) {
        synchronized (this) {
            closed = true;
            lanes.values().forEach(l -> l.waiting.clear());
        }
        List<ExecutorService> all = List.of(virtualThreads, platformThreads);
        all.forEach(ExecutorService::shutdown);
        try {
            long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
            for (ExecutorService e : all) {
                e.awaitTermination(Math.max(0, graceEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            all.forEach(ExecutorService::shutdownNow);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(interruptMillis);
            for (ExecutorService e : all) {
                e.awaitTermination(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            all.forEach(ExecutorService::shutdownNow);
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(1_000, 2_000);
    }
}
