package io.tekton.penia.engine.store;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A call to the database that a caller must not wait on for long ({@code /health}, {@code /ready}):
 * the call runs on its own virtual thread, one at a time; its answer is kept for {@code freshMs}; a
 * caller waits for a running call at most {@code waitMs}, and not at all once it has run longer
 * than that. Without an answer in time (or when the call throws) the caller gets {@code noAnswer}.
 *
 * <p>Why: while PostgreSQL is down the pool waits its whole connection timeout (5 s) for a
 * connection, longer than a load balancer's health probe waits for {@code /health}.
 *
 * @param <T> the answer
 */
public final class BoundedProbe<T> {
    private record Answer<T>(T value, long atNanos) {
    }

    private record Call<T>(CompletableFuture<T> answer, long startNanos) {
    }

    private final String threadName;
    private final Supplier<T> call;
    private final T noAnswer;
    private final long freshNanos;
    private final long waitNanos;
    private volatile Answer<T> last;
    /** The call running or run last; guarded by {@code this}. */
    private Call<T> current;

    /**
     * @param threadName the name of the call's thread
     * @param call       the call; may block (this class bounds the wait), may throw (no answer)
     * @param noAnswer   the answer when the call does not answer in time or throws
     * @param freshMs    how long an answer is used again (0: a new call each time none runs)
     * @param waitMs     how long a caller waits for a call at most
     */
    public BoundedProbe(String threadName, Supplier<T> call, T noAnswer, long freshMs, long waitMs) {
        if (freshMs < 0 || waitMs < 1) {
            throw new IllegalArgumentException("freshMs must be >= 0 and waitMs >= 1, got " + freshMs + " and " + waitMs);
        }
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.call = Objects.requireNonNull(call, "call");
        this.noAnswer = noAnswer;
        this.freshNanos = TimeUnit.MILLISECONDS.toNanos(freshMs);
        this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMs);
    }

    /** The last answer if it is fresh, else a call's answer within the wait, else {@code noAnswer}. */
    public T get() {
        Answer<T> a = last;
        if (a != null && System.nanoTime() - a.atNanos() < freshNanos) {
            return a.value();
        }
        Call<T> c = started();
        long leftNanos = waitNanos - (System.nanoTime() - c.startNanos());
        if (leftNanos <= 0) {
            return noAnswer; // the call has run longer than a caller may wait
        }
        try {
            return c.answer().get(leftNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return noAnswer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return noAnswer;
        }
    }

    /** The answer of the last call that ended ({@code noAnswer} for one that threw), or null before any. */
    public T last() {
        Answer<T> a = last;
        return a == null ? null : a.value();
    }

    /** The running call, or a new one when none runs. */
    private synchronized Call<T> started() {
        if (current != null && !current.answer().isDone()) {
            return current;
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        Call<T> c = new Call<>(answer, System.nanoTime());
        current = c;
        Thread.ofVirtual().name(threadName).start(() -> {
            T value = noAnswer;
            try {
                value = call.get();
            } catch (RuntimeException e) {
                value = noAnswer;
            } finally {
                last = new Answer<>(value, System.nanoTime());
                answer.complete(value);
            }
        });
        return c;
    }
}
