package io.tekton.penia.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** Many budget checks with reserve at once: each one either holds (and names its reservation) or blocks. */
public final class ConcurrentHolds {
    private ConcurrentHolds() {
    }

    /**
     * Runs {@code check(0) … check(n - 1)} on {@code threads} threads; asserts that exactly
     * {@code allowedExpected} answers were allowed and all others blocked; returns the reservations held.
     */
    public static List<String> reserve(int threads, int n, int allowedExpected, IntFunction<JsonNode> check)
            throws Exception {
        ConcurrentLinkedQueue<String> allowed = new ConcurrentLinkedQueue<>();
        AtomicInteger blocked = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int call = i;
            fs.add(pool.submit(() -> {
                JsonNode r = check.apply(call);
                if (r.get("allowed").asBoolean()) {
                    allowed.add(r.get("reservation_id").asText());
                } else {
                    assertThat(r.get("decision").asText()).isEqualTo("block");
                    blocked.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        assertThat(allowed).hasSize(allowedExpected);
        assertThat(blocked.get()).isEqualTo(n - allowedExpected);
        return new ArrayList<>(allowed);
    }
}
