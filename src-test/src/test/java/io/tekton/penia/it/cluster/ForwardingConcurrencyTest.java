package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;

import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.cluster.LeaderView;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * A follower forwarding many concurrent requests over kept-alive client connections answers every
 * one (issue 23). A whole answer of the leader used to be copied to the client through the
 * response's output stream: 73 of 600 concurrent records through a follower ended with the kept-alive
 * connection closed and no answer ("HTTP/1.1 header parser received no bytes").
 */
class ForwardingConcurrencyTest {
    @Test
    void sixHundredConcurrentRecordsThroughAFollower_areEachAnsweredAndBooked() throws Exception {
        try (TestServer a = TestServer.start(Map.of())) {
            LeaderView.Settable v = LeaderView.settable();
            v.follow(URI.create(a.base()));
            try (TestServer b = TestServer.start(Map.of(), v)) {
                PeniaClient follower = PeniaClient.of(b);
                String c = uniq("fwd-many");
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    fs.add(pool.submit(() -> {
                        try {
                            TestServer.Resp r = follower.post("/api/v1/usage/record",
                                    PeniaClient.usage(c, "openai", "gpt-4o", 1, 1, "0.01"));
                            if (r.status() != 201) {
                                failures.add(r.status() + " " + r.raw());
                            }
                        } catch (RuntimeException e) {
                            failures.add(String.valueOf(e.getCause() != null ? e.getCause() : e));
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                pool.shutdown();
                assertThat(failures).as(failures.size() + " of 600 failed").isEmpty();
                assertThat(PeniaClient.of(a).rows(c)).hasSize(600);
            }
        }
    }
}
