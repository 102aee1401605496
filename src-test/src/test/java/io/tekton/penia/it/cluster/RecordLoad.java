package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;

import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Threads recording $0.001 of one component, each through one of the trio's instances in turn,
 * each with a request id of its own, until {@link #stop}. The ids answered 201 are {@link
 * #acknowledged}; any other answer goes to {@code refused}, a request that got no answer to
 * {@code unanswered} (which may throw it on: the thread then ends and {@link #stop} throws).
 */
final class RecordLoad {
    final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final List<Future<?>> load = new ArrayList<>();

    private RecordLoad(int threads) {
        pool = Executors.newFixedThreadPool(threads);
    }

    static RecordLoad start(Trio trio, int threads, String component, Consumer<TestServer.Resp> refused,
                            BiConsumer<PeniaClient, RuntimeException> unanswered) {
        RecordLoad l = new RecordLoad(threads);
        for (int t = 0; t < threads; t++) {
            PeniaClient via = trio.client(t);
            l.load.add(l.pool.submit(() -> l.run(via, component, refused, unanswered)));
        }
        return l;
    }

    private void run(PeniaClient via, String component, Consumer<TestServer.Resp> refused,
                     BiConsumer<PeniaClient, RuntimeException> unanswered) {
        while (!stop.get()) {
            String requestId = uniq("ack");
            Map<String, Object> body = PeniaClient.usage(component, "openai", "gpt-4o", 10, 10, "0.001");
            body.put("request_id", requestId);
            TestServer.Resp r;
            try {
                r = via.post("/api/v1/usage/record", body);
            } catch (RuntimeException e) {
                unanswered.accept(via, e);
                continue;
            }
            if (r.status() == 201) {
                acknowledged.add(requestId);
            } else {
                refused.accept(r);
            }
        }
    }

    /** Stops the threads and waits for them; throws what one of them threw. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : load) {
            f.get();
        }
        pool.shutdown();
    }
}
