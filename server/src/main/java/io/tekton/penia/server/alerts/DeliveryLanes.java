package io.tekton.penia.server.alerts;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One lane per destination (a channel type and host, or the mail server): each runs at most
 * {@code concurrency} sends at once on virtual threads and keeps at most {@code queueLimit}
 * more waiting, in arrival order. A destination that never answers fills only its own lane;
 * every other destination keeps its own senders. A lane with nothing to do is dropped.
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
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("penia-alert-send-", 1).factory());
    // Guarded by this.
    private final Map<String, Lane> lanes = new HashMap<>();
    private boolean closed;

    /** What one destination is doing: sends running, ids waiting. Guarded by the owner. */
    private static final class Lane {
        final String key;
        final ArrayDeque<String> waiting = new ArrayDeque<>();
        int running;

        Lane(String key) {
            this.key = key;
        }
    }

    /** @param send one attempt for a delivery id; it must not throw */
    DeliveryLanes(int concurrency, int queueLimit, Consumer<String> send) {
        if (concurrency < 1 || queueLimit < 1) {
            throw new IllegalArgumentException("concurrency " + concurrency + " and queue limit " + queueLimit
                    + " must be at least 1");
        }
        this.concurrency = concurrency;
        this.queueLimit = queueLimit;
        this.send = send;
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
            lane = new Lane(destination);
            lanes.put(destination, lane);
        }
        if (lane.running < concurrency) {
            Lane l = lane;
            try {
                threads.execute(() -> run(l, deliveryId));
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
        threads.shutdown();
        try {
            if (!threads.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
                threads.awaitTermination(interruptMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(1_000, 2_000);
    }
}
