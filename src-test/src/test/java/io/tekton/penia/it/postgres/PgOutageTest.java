package io.tekton.penia.it.postgres;

import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static io.tekton.penia.it.support.PeniaClient.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL crashes under writes (issue 23, guarantee 5's second half, one instance): Penia answers
 * 503 with Retry-After while it is down and /health says degraded with the reason; once it is back,
 * writes succeed again without a restart of Penia, and every acknowledged record is in the ledger.
 * Its own class: it crashes and restarts the shared cluster.
 */
class PgOutageTest {

    @AfterAll
    static void clusterRuns() {
        PgCluster.shared().start(); // a no-op unless a failure left it down
    }

    @Test
    void postgresCrashedUnderWrites_is503WithRetryAfter_andDegraded_thenRecoversWithoutRestart_losingNothing()
            throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (TestServer t = TestServer.start(Map.of("PENIA_DB", pg.url(db)))) {
            PeniaClient penia = PeniaClient.of(t);
            String c = uniq("pg-outage");
            String budget = penia.componentBudget(c, Map.of("monthly", "1000"));
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicReference<String> retryAfter = new AtomicReference<>();
            List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                writers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        String rid = uniq("out");
                        Map<String, Object> body = usage(c, "openai", "gpt-4o", 1, 1, "0.001");
                        body.put("request_id", rid);
                        TestServer.Resp r = t.post("/api/v1/usage/record", body);
                        if (r.status() == 201) {
                            acknowledged.add(rid);
                        } else if (r.status() == 503) {
                            unavailable.incrementAndGet();
                            r.http().headers().firstValue("Retry-After").ifPresent(retryAfter::set);
                        } else {
                            unexpected.add(r.status() + " " + r.raw());
                        }
                        LockSupport.parkNanos(10_000_000); // a few writes, not a flood
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 20);

            pg.crash();
            int ackedAtCrash = acknowledged.size();
            await().atMost(Duration.ofSeconds(20)).until(() -> unavailable.get() >= 5);
            assertThat(retryAfter.get()).as("503 carries Retry-After").isNotNull();
            TestServer.Resp health = await().atMost(Duration.ofSeconds(20))
                    .until(() -> t.get("/health"), r -> r.status() == 503);
            assertThat(health.get("status").asText()).as(health.raw()).isEqualTo("degraded");
            assertThat(health.get("reason").asText()).as(health.raw()).contains("postgresql://");
            // A read needing PostgreSQL is refused at once too, not after the pool's timeout.
            long t0 = System.nanoTime();
            TestServer.Resp read = t.get("/api/v1/usage/records?component=" + c);
            assertThat(read.status()).as(read.raw()).isEqualTo(503);
            assertThat(read.http().headers().firstValue("Retry-After")).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));

            pg.start();
            int before = acknowledged.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= before + 20);
            stop.set(true);
            for (Future<?> f : writers) {
                f.get();
            }
            pool.shutdown();
            assertThat(unexpected).as("only 201 and 503").isEmpty();
            TestServer.Resp healthy = await().atMost(Duration.ofSeconds(20))
                    .until(() -> t.get("/health"), r -> r.status() == 200);
            assertThat(healthy.get("status").asText()).isEqualTo("healthy");
            assertThat(ackedAtCrash).isGreaterThanOrEqualTo(20);

            // Every acknowledged record is in PostgreSQL, once.
            Set<String> stored = new HashSet<>();
            try (Connection conn = pg.connect(db); PreparedStatement ps = conn.prepareStatement(
                    "SELECT request_id FROM usage_records WHERE component = ?")) {
                ps.setString(1, c);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        assertThat(stored.add(rs.getString(1))).isTrue();
                    }
                }
            }
            // Exactly the acknowledged ones: a write whose commit was cut off by the crash was
            // answered only once PostgreSQL said whether it committed (PgWriter's in-doubt batch).
            assertThat(stored).isEqualTo(acknowledged);
            assertThat(penia.rows(c)).hasSize(stored.size());
            // And the engine's counters (in memory, undone for each failed write) equal the ledger.
            PeniaClient.assertUsd(penia.period(budget, "monthly").get("spent"),
                    java.math.BigDecimal.valueOf(count(pg, db, "SELECT COALESCE(SUM(cost_micros), 0) FROM usage_records"
                            + " WHERE component = '" + c + "'"), 6).toPlainString());
        } finally {
            pg.start();
        }
    }

    @Test
    void anIdlePenia_becomesHealthyAgain_whenPostgresIsBack_withoutAnyWrite() {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (TestServer t = TestServer.start(Map.of("PENIA_DB", pg.url(db)))) {
            PeniaClient penia = PeniaClient.of(t);
            String c = uniq("pg-idle");
            penia.record(c, "0.01");
            pg.crash();
            TestServer.Resp refused = t.post("/api/v1/usage/record", usage(c, "openai", "gpt-4o", 1, 1, "0.01"));
            assertThat(refused.status()).as(refused.raw()).isEqualTo(503);
            assertThat(t.get("/health").status()).isEqualTo(503);
            pg.start();
            // No write arrives: the writer's own probe finds PostgreSQL again.
            TestServer.Resp healthy = await().atMost(Duration.ofSeconds(15))
                    .until(() -> t.get("/health"), r -> r.status() == 200);
            assertThat(healthy.get("status").asText()).isEqualTo("healthy");
            assertThat(penia.rows(c)).hasSize(1);
        } finally {
            pg.start();
        }
    }

    static long count(PgCluster pg, String db, String sql) throws SQLException {
        try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
