package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, guarantee 5 (the database half) with three instances: PostgreSQL crashes under
 * concurrent records through all three. While it is down every instance answers 503 with
 * Retry-After and /health is degraded; once it is back a leader is elected again (it reloads the
 * committed ledger), without a restart of any instance, and every acknowledged record is there.
 * Its own class: it crashes and restarts the shared cluster.
 */
class ClusterPgRestartTest {
    static Trio trio;

    @AfterAll
    static void down() {
        PgCluster.shared().start(); // a no-op unless a failure left it down
        if (trio != null) {
            trio.close();
        }
    }

    @Test
    void postgresCrashedUnderLoad_allAnswer503AndDegraded_thenALeaderAgain_andNoAcknowledgedRecordIsLost()
            throws Exception {
        trio = Trio.start(Map.of());
        String c = uniq("trio-pgdown");
        String id = trio.client(0).componentBudget(c, Map.of("monthly", "1000"));
        AtomicInteger unavailable = new AtomicInteger();
        ConcurrentLinkedQueue<String> other = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
        RecordLoad load = RecordLoad.start(trio, 6, c, r -> {
            if (r.status() == 503 && r.http().headers().firstValue("Retry-After").isPresent()) {
                unavailable.incrementAndGet();
            } else {
                other.add(r.status() + " " + r.raw());
            }
        }, (via, e) -> lost.add(via.server().port() + " " + (e.getCause() != null ? e.getCause() : e)));
        ConcurrentLinkedQueue<String> acknowledged = load.acknowledged;
        PgCluster pg = trio.pg;
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 100);
        pg.crash();
        long crashedAt = System.nanoTime();
        // How fast each instance says so is ClusterHealthWhilePgDownTest's.
        for (TestServer s : trio.servers) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                TestServer.Resp h = s.get("/health");
                assertThat(h.body().get("status").asText()).as(h.raw()).isEqualTo("degraded");
            });
        }
        int unavailableWhileDown = unavailable.get();
        pg.start();
        long restartedAt = System.nanoTime();
        trio.awaitOneLeader(trio.servers);
        long electedMs = (System.nanoTime() - restartedAt) / 1_000_000;
        int atRecovery = acknowledged.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= atRecovery + 100);
        load.stop();

        assertThat(unavailable.get()).as("503 with Retry-After while PostgreSQL was down").isPositive();
        assertThat(other).as("answers other than 201 and 503 with Retry-After").isEmpty();
        List<String> stored = trio.column("SELECT request_id FROM usage_records WHERE component = ?", c);
        assertThat(new HashSet<>(stored)).hasSize(stored.size());
        Set<String> missing = new HashSet<>(acknowledged);
        stored.forEach(missing::remove);
        assertThat(missing).as("acknowledged but not in the ledger").isEmpty();
        long[] ledger = trio.ledger(c);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (PeniaClient p : trio.clients) {
                JsonNode m = p.period(id, "monthly");
                assertThat(m.get("spent").decimalValue().movePointRight(6).longValueExact()).isEqualTo(ledger[0]);
                TestServer.Resp h = p.server().get("/health");
                assertThat(h.body().get("status").asText()).as(h.raw()).isEqualTo("healthy");
            }
        });
        System.out.println("ClusterPgRestartTest: connections lost without an answer: " + lost.size() + " "
                + lost.stream().limit(5).toList() + "; leader port " + trio.servers.get(trio.leaderIndex()).port());
        System.out.println("ClusterPgRestartTest: " + acknowledged.size() + " acknowledged, " + stored.size()
                + " rows, " + unavailable.get() + " answered 503 (" + unavailableWhileDown + " by the time all were"
                + " degraded, " + (restartedAt - crashedAt) / 1_000_000 + " ms after the crash); a leader "
                + electedMs + " ms after PostgreSQL was back");
    }
}
