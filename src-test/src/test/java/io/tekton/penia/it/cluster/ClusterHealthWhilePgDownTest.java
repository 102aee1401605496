package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 23 (guarantee 5, /health while PostgreSQL is down) on a follower: every instance, the
 * followers too, answers {@code /health} and {@code /ready} promptly with 503, {@code degraded}
 * and the reason, so that a load balancer's probe (typically timing out after 1-2 s) and a
 * monitoring page see why, instead of a timeout. Once PostgreSQL is back every instance is
 * healthy and ready again, without a restart. Its own class: it stops and starts the shared cluster.
 */
class ClusterHealthWhilePgDownTest {
    /**
     * A behaviour bound, not a benchmark: /health and /ready answer from what the instance already
     * knows (well under a second); 1.5 s leaves margin for a loaded 2-core machine and is still
     * below a load balancer's probe timeout.
     */
    static final Duration PROMPT = Duration.ofMillis(1_500);
    static final int TRIES = 3;

    /** Every answer timed while PostgreSQL is down, and those slower than {@link #PROMPT}. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    final List<String> slow = new CopyOnWriteArrayList<>();

    @AfterAll
    static void clusterRuns() {
        PgCluster.shared().start(); // a no-op unless a failure left it down
    }

    @Test
    void postgresDown_everyInstanceAnswersHealthAndReadyPromptly_degradedWithTheReason_thenHealthyAgain() {
        try (Trio trio = new Trio()) {
            trio.add(Map.of());
            trio.add(Map.of());
            trio.awaitOneLeader(trio.servers);
            int leaderIndex = trio.leaderIndex();
            TestServer leader = trio.servers.get(leaderIndex);
            TestServer follower = trio.servers.get(1 - leaderIndex);
            try {
                trio.pg.stop();
                await().atMost(Duration.ofSeconds(20)).until(() -> leader.get("/health"), r -> r.status() == 503);

                // Every answer is timed, the first ones too: a follower may still be healthy or say "no
                // leader known" for a moment before it names the database, but it answers at once.
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    TestServer.Resp r = timed(follower, "follower", "/health");
                    return r.status() == 503 && r.get("database").asText().equals("unavailable");
                });
                for (int i = 0; i < TRIES; i++) {
                    for (TestServer s : List.of(follower, leader)) {
                        String who = s == leader ? "leader" : "follower";
                        TestServer.Resp h = timed(s, who, "/health");
                        assertThat(h.status()).as(who + " /health: " + h.raw()).isEqualTo(503);
                        assertThat(h.get("status").asText()).as(h.raw()).isEqualTo("degraded");
                        assertThat(h.get("reason").asText()).as(h.raw()).contains("does not answer").contains("postgresql://");
                        assertThat(h.get("database").asText()).as(h.raw()).isEqualTo("unavailable");
                        TestServer.Resp ready = timed(s, who, "/ready");
                        assertThat(ready.status()).as(who + " /ready: " + ready.raw()).isEqualTo(503);
                        assertThat(ready.get("ready").asBoolean()).as(ready.raw()).isFalse();
                        assertThat(ready.get("checks").get("database").asBoolean()).as(ready.raw()).isFalse();
                    }
                }
                System.out.println("ClusterHealthWhilePgDownTest: " + seen);
                assertThat(slow).as("answers slower than " + PROMPT.toMillis() + " ms; all: " + seen).isEmpty();
            } finally {
                trio.pg.start();
            }

            // Back: healthy and ready everywhere, without a restart, and a record through the follower is booked.
            trio.awaitOneLeader(trio.servers);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (TestServer s : trio.servers) {
                    TestServer.Resp h = s.get("/health");
                    assertThat(h.status()).as(h.raw()).isEqualTo(200);
                    assertThat(h.get("status").asText()).isEqualTo("healthy");
                    TestServer.Resp ready = s.get("/ready");
                    assertThat(ready.status()).as(ready.raw()).isEqualTo(200);
                }
            });
            String c = uniq("pgdown-health");
            int f = trio.servers.indexOf(follower);
            Map<String, Object> body = PeniaClient.usage(c, "openai", "gpt-4o", 1, 1, "0.01");
            body.put("request_id", uniq("pgdown-health")); // a retry after a 503 books once
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(trio.client(f).post("/api/v1/usage/record", body).status()).isEqualTo(201));
            assertThat(trio.ledger(c)).containsExactly(10_000L, 1L);
        }
    }

    /** GET {@code path}, timed (in {@link #seen}, and in {@link #slow} when too slow). */
    private TestServer.Resp timed(TestServer s, String who, String path) {
        long t0 = System.nanoTime();
        TestServer.Resp r = s.get(path);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        seen.add(who + " " + path + " " + r.status() + " in " + ms + " ms");
        if (ms >= PROMPT.toMillis()) {
            slow.add(who + " " + path + " " + ms + " ms");
        }
        return r;
    }
}
