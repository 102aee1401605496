package io.tekton.penia.server.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per key: {@code burst} requests at once, refilled at {@code requestsPerSecond}.
 * The number of buckets is bounded: when full, buckets that have refilled completely (idle
 * ones, which behave exactly like a new bucket) are dropped; if none can be dropped a new
 * caller is refused until one can.
 */
public final class RateLimiter {
    /** Most buckets held at once. */
    public static final int MAX_BUCKETS = 100_000;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perNano;
    private final int burst;
    private final int maxBuckets;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long lastNanos) {
            this.tokens = tokens;
            this.lastNanos = lastNanos;
        }
    }

    public RateLimiter(double requestsPerSecond, int burst) {
        this(requestsPerSecond, burst, MAX_BUCKETS, System::nanoTime);
    }

    RateLimiter(double requestsPerSecond, int burst, int maxBuckets, LongSupplier nanoTime) {
        if (!(requestsPerSecond > 0) || burst < 1 || maxBuckets < 1) {
            throw new IllegalArgumentException("requestsPerSecond=" + requestsPerSecond + " and burst=" + burst
                    + " must be positive");
        }
        this.perNano = requestsPerSecond / NANOS_PER_SECOND;
        this.burst = burst;
        this.maxBuckets = maxBuckets;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes one token from the key's bucket.
     *
     * @return 0 when the request may proceed, else the whole seconds (at least 1) until it may retry
     */
    public long acquire(String key) {
        long now = nanoTime.getAsLong();
        Bucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= maxBuckets) {
                evictIdle(now);
                if (buckets.size() >= maxBuckets) {
                    return 1;
                }
            }
            b = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
        }
        synchronized (b) {
            refill(b, now);
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            double waitNanos = (1 - b.tokens) / perNano;
            return Math.max(1, (long) Math.ceil(waitNanos / NANOS_PER_SECOND));
        }
    }

    private void refill(Bucket b, long now) {
        long elapsed = now - b.lastNanos;
        if (elapsed > 0) {
            b.tokens = Math.min(burst, b.tokens + elapsed * perNano);
            b.lastNanos = now;
        }
    }

    private void evictIdle(long now) {
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                refill(e.getValue(), now);
                return e.getValue().tokens >= burst;
            }
        });
    }

    /** Buckets held (for tests and health). */
    int size() {
        return buckets.size();
    }
}
