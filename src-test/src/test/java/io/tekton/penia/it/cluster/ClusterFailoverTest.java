package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, guarantee 5 (the instance half): the leader is a separate Penia process, killed with
 * SIGKILL (no handover) while two in-process followers forward concurrent records to it. Every
 * acknowledged record is in the ledger afterwards, once; a follower becomes the leader within
 * seconds; the dead leader's open holds are still reserved there and expire on time.
 */
class ClusterFailoverTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Trio trio;
    Process leader;

    @AfterEach
    void down() {
        if (leader != null) {
            leader.destroyForcibly();
        }
        if (trio != null) {
            trio.close();
        }
    }

    @Test
    void leaderKilledDuringRecords_everyAcknowledgedRecordStays_aFollowerLeads_andItsHoldsExpireOnTime()
            throws Exception {
        trio = new Trio();
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        leader = startProcess(trio, port);
        await().atMost(Duration.ofSeconds(60)).until(() -> "leader".equals(role(base)));
        trio.add(Map.of());
        trio.add(Map.of());
        await().atMost(Trio.ELECTION).untilAsserted(() -> assertThat(trio.servers).allSatisfy(s -> assertThat(
                s.get("/health").get("cluster").path("leader").asText()).isEqualTo(base)));

        String c = uniq("trio-failover");
        String id = trio.client(0).componentBudget(c, Map.of("monthly", "1000"), "block", 80, 100);
        List<JsonNode> holds = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            holds.add(trio.client(i).check(Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                    "estimated_cost", new BigDecimal("1"), "reserve", true, "reservation_ttl_seconds", 12)));
        }
        assertThat(holds).allMatch(h -> h.get("allowed").asBoolean());
        Instant expiresAt = Instant.parse(holds.getLast().get("expires_at").asText());

        AtomicInteger refused = new AtomicInteger();
        RecordLoad load = RecordLoad.start(trio, 8, c, r -> {
            assertThat(r.status()).as(r.raw()).isIn(502, 503, 504);
            refused.incrementAndGet();
        }, (via, e) -> {
            throw e;
        });
        ConcurrentLinkedQueue<String> acknowledged = load.acknowledged;
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 200);
        int beforeKill = acknowledged.size();
        long killedAt = System.nanoTime();
        leader.destroyForcibly(); // SIGKILL
        leader.waitFor();

        await().atMost(Duration.ofSeconds(10)).until(() -> trio.servers.stream()
                .anyMatch(s -> "leader".equals(role(s.base()))));
        long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        int atFailover = acknowledged.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= atFailover + 200);
        load.stop();
        trio.awaitOneLeader(trio.servers);

        // Every acknowledged record is in the ledger, once.
        List<String> stored = trio.column("SELECT request_id FROM usage_records WHERE component = ?", c);
        assertThat(new HashSet<>(stored)).as("no request id twice").hasSize(stored.size());
        Set<String> missing = new HashSet<>(acknowledged);
        stored.forEach(missing::remove);
        assertThat(missing).as("acknowledged but not in the ledger").isEmpty();
        long[] ledger = trio.ledger(c);

        // The dead leader's holds are still held, and expire on time through the new leader.
        Instant checkedAt = Instant.now();
        if (checkedAt.isBefore(expiresAt)) {
            for (PeniaClient p : trio.clients) {
                JsonNode m = p.period(id, "monthly");
                assertThat(m.get("reserved").decimalValue()).as("held at " + checkedAt + ", expiring " + expiresAt)
                        .isEqualByComparingTo("10");
            }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (PeniaClient p : trio.clients) {
                assertThat(p.period(id, "monthly").get("reserved").decimalValue()).isEqualByComparingTo("0");
            }
        });
        Instant releasedAt = Instant.now();
        assertThat(releasedAt).isAfterOrEqualTo(expiresAt).isBefore(expiresAt.plusSeconds(3));
        assertThat(trio.column("SELECT status FROM reservations WHERE component = ?", c)).hasSize(10)
                .allMatch("expired"::equals);
        for (PeniaClient p : trio.clients) {
            assertThat(p.period(id, "monthly").get("spent").decimalValue().movePointRight(6).longValueExact())
                    .isEqualTo(ledger[0]);
        }
        System.out.println("ClusterFailoverTest: " + beforeKill + " acknowledged before the kill, "
                + acknowledged.size() + " in all, " + refused.get() + " refused (502/503) around it, "
                + stored.size() + " rows; new leader " + failoverMs + " ms after SIGKILL; holds released "
                + Duration.between(expiresAt, releasedAt).toMillis() + " ms after their expiry"
                + (checkedAt.isBefore(expiresAt) ? "" : " (checked after the expiry)"));
    }

    @Test
    void aDeposedLeadersLateWrite_isRefusedByTheFence_andNeverInTheLedger() {
        trio = Trio.start(Map.of());
        int old = trio.leaderIndex();
        io.tekton.penia.server.PeniaServer deposed = trio.servers.get(old).server();
        long oldEpoch = deposed.leadership().epoch();
        String c = uniq("trio-fence");
        String id = trio.client(old).componentBudget(c, Map.of("monthly", "10"));

        // Its lock's connection dies; it stays up (a pause, a partition) while another takes over.
        deposed.leadership().severConnection();
        await().atMost(Duration.ofSeconds(10)).until(() -> trio.servers.stream()
                .filter(s -> s.server() != deposed).anyMatch(s -> "leader".equals(role(s.base()))));
        assertThat(trio.column("SELECT epoch::text FROM cluster_leader WHERE instance_id <> ?",
                deposed.leadership().instanceId())).containsExactly(Long.toString(oldEpoch + 1));

        // Its engine still has the budget in memory; a write it makes now must not commit.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> deposed.engine().record(new io.tekton.penia.engine.UsageInput(
                c, "openai", "gpt-4o", null, 1, 1, 0, 0, 0, io.tekton.penia.engine.model.Money.ofUsd("1"), null, "late",
                null))).hasMessageContaining("no longer leads");
        assertThat(trio.ledger(c)).containsExactly(0L, 0L);
        // Through the API (any instance, the deposed one following now) the new leader answers: nothing spent.
        trio.awaitOneLeader(trio.servers);
        for (PeniaClient p : trio.clients) {
            assertThat(p.period(id, "monthly").get("spent").decimalValue()).isEqualByComparingTo("0");
        }
    }

    /** A Penia server process (its own JVM, the test's class path) on the trio's database, without seed budgets. */
    static Process startProcess(Trio trio, int port) throws IOException {
        Path dir = Files.createTempDirectory("penia-proc");
        String yaml = Files.readString(Path.of(TestServer.repoRoot(), "config", "penia.yaml"));
        Files.writeString(dir.resolve("penia.yaml"), yaml.substring(0, yaml.indexOf("\nseed_budgets:"))
                + "\nseed_budgets: []\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tekton.penia.server.Main", "serve");
        Map<String, String> env = pb.environment();
        env.putAll(trio.env(Map.of()));
        env.put("PENIA_CONFIG", dir.resolve("penia.yaml").toString());
        env.put("PENIA_PORT", Integer.toString(port));
        env.put("PENIA_HERMES", "off");
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("penia.log").toFile());
        System.out.println("ClusterFailoverTest: leader process log " + dir.resolve("penia.log"));
        return pb.start();
    }

    static String role(String base) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.mapper().readTree(r.body()).path("cluster").path("role").asText(null);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
