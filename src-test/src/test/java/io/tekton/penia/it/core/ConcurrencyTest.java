package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.RunningClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/** Many concurrent writers against one component: no lost or doubled row, no drift (SPEC §2). */
@PeniaServerTest
class ConcurrencyTest {
    static final int THREADS = 32;
    static final int PER_THREAD = 200;
    static TestServer t;

    @PeniaServerTest.Clock
    static final RunningClock CLOCK = RunningClock.midweekNoon(); // no period reset mid-test

    /** Thread i reports $0.000123 + i × $0.001001 per call: every thread a different amount. */
    static BigDecimal costOf(int thread) {
        return new BigDecimal("0.000123").add(new BigDecimal("0.001001").multiply(BigDecimal.valueOf(thread)));
    }

    @Tag("slow")
    @Test
    void record_32ThreadsX200_ledgerAndCountersMatchToTheMicroDollar() throws Exception {
        String component = uniq("concurrent");
        String budgetId = Ledger.componentBudget(t, component, Map.of("daily", "100000", "monthly", "100000"));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> recordIds = new ConcurrentLinkedQueue<>();
        List<Future<?>> fs = new ArrayList<>();
        for (int th = 0; th < THREADS; th++) {
            int thread = th;
            fs.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < PER_THREAD; i++) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("component", component);
                    body.put("provider", "openai");
                    body.put("model", "gpt-4o");
                    body.put("input_tokens", 1000 + thread);
                    body.put("output_tokens", i);
                    body.put("cost", costOf(thread));
                    TestServer.Resp r = t.post("/api/v1/usage/record", body);
                    if (r.status() != 201) {
                        failures.add(r.status() + " " + r.raw());
                    } else {
                        recordIds.add(r.get("record_id").asText());
                    }
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Future<?> f : fs) {
            f.get(5, TimeUnit.MINUTES);
        }
        long elapsedNanos = System.nanoTime() - t0;
        pool.shutdown();
        int total = THREADS * PER_THREAD;
        double seconds = elapsedNanos / 1e9;
        System.out.printf("ConcurrencyTest: %d records from %d threads in %.3f s = %.0f records/s%n", total, THREADS,
                seconds, total / seconds);

        assertThat(failures).as("every record answered 201").isEmpty();
        assertThat(new HashSet<>(recordIds)).hasSize(total);
        BigDecimal expected = BigDecimal.ZERO;
        for (int th = 0; th < THREADS; th++) {
            expected = expected.add(costOf(th).multiply(BigDecimal.valueOf(PER_THREAD)));
        }

        List<JsonNode> rows = Ledger.rows(t, "component=" + Ledger.enc(component), 1000);
        assertThat(rows).hasSize(total);
        Set<String> ledgerIds = new HashSet<>();
        rows.forEach(r -> ledgerIds.add(r.get("record_id").asText()));
        assertThat(ledgerIds).hasSize(total).isEqualTo(new HashSet<>(recordIds));
        assertThat(Ledger.sum(rows)).isEqualByComparingTo(expected);

        JsonNode summary = t.post("/api/v1/usage/summary", Map.of("component", component)).body();
        assertUsd(summary.get("total_cost"), expected);
        assertThat(summary.get("count").asLong()).isEqualTo(total);
        long expectedInput = 0;
        for (int th = 0; th < THREADS; th++) {
            expectedInput += (1000L + th) * PER_THREAD;
        }
        assertThat(summary.get("total_input_tokens").asLong()).isEqualTo(expectedInput);
        JsonNode periods = Ledger.summary(t, budgetId).get("periods");
        assertUsd(periods.get("monthly").get("spent"), expected);
        assertUsd(periods.get("daily").get("spent"), expected);
        System.out.printf("ConcurrencyTest: ledger sum $%s over %d rows, exact%n", expected.toPlainString(), rows.size());

        // The writer's figures in /metrics count these writes, time every commit, and show the WAL's size.
        Map<String, BigDecimal> m = new java.util.LinkedHashMap<>();
        for (String line : t.get("/metrics").raw().split("\n")) {
            if (line.startsWith("penia_ledger_")) {
                m.put(line.substring(0, line.lastIndexOf(' ')), new BigDecimal(line.substring(line.lastIndexOf(' ') + 1).trim()));
            }
        }
        long commits = m.get("penia_ledger_commits_total").longValueExact();
        assertThat(m.get("penia_ledger_writes_total").longValueExact()).isGreaterThanOrEqualTo(total);
        assertThat(commits).isPositive().isLessThanOrEqualTo(m.get("penia_ledger_writes_total").longValueExact());
        assertThat(m).containsKeys("penia_ledger_wal_frames", "penia_ledger_wal_restarts_total",
                "penia_ledger_wal_restart_seconds_total", "penia_ledger_commit_seconds_sum");
        assertThat(m.get("penia_ledger_wal_frames").signum()).isNotNegative();
        // Every commit is timed: the histogram is counted just before the commit counter and read
        // just after it, so it may be ahead by the few background commits in between, never behind.
        long timed = m.get("penia_ledger_commit_seconds_count").longValueExact();
        assertThat(timed).as("every commit timed").isBetween(commits, commits + 5);
        assertThat(m.get("penia_ledger_commit_seconds_bucket{le=\"+Inf\"}").longValueExact()).isEqualTo(timed);
        assertThat(m.get("penia_ledger_commit_seconds_sum").signum()).isPositive();
        long previous = 0;
        for (Map.Entry<String, BigDecimal> e : m.entrySet()) {
            if (e.getKey().startsWith("penia_ledger_commit_seconds_bucket")) {
                assertThat(e.getValue().longValueExact()).as("cumulative buckets: " + e.getKey()).isGreaterThanOrEqualTo(previous);
                previous = e.getValue().longValueExact();
            }
        }
    }

    @Test
    void record_sameRequestIdFrom32Threads_isLedgeredOnce() throws Exception {
        String component = uniq("concurrent-idem");
        String budgetId = Ledger.componentBudget(t, component, Map.of("monthly", "100"));
        String requestId = uniq("req");
        Map<String, Object> body = Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 10, "output_tokens", 10, "cost", new BigDecimal("0.123457"), "request_id", requestId);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestServer.Resp>> fs = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            fs.add(pool.submit(() -> {
                go.await();
                return t.post("/api/v1/usage/record", body);
            }));
        }
        go.countDown();
        Set<String> ids = new HashSet<>();
        int created = 0;
        for (Future<TestServer.Resp> f : fs) {
            TestServer.Resp r = f.get(1, TimeUnit.MINUTES);
            assertThat(r.status()).as(r.raw()).isIn(200, 201);
            created += r.status() == 201 ? 1 : 0;
            ids.add(r.get("record_id").asText());
        }
        pool.shutdown();

        assertThat(created).as("exactly one call creates the record").isEqualTo(1);
        assertThat(ids).hasSize(1);
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("record_id").asText()).isEqualTo(ids.iterator().next());
        assertUsd(Ledger.period(t, budgetId, "monthly").get("spent"), "0.123457");
    }

    @Test
    void create_sameBudgetIdFrom32Threads_createsOneBudget() throws Exception {
        String id = uniq("concurrent-budget");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestServer.Resp>> fs = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int n = i;
            fs.add(pool.submit(() -> {
                go.await();
                return t.post("/api/v1/budgets", Map.of("budget_id", id, "name", "racer " + n,
                        "scope", Map.of("component", id), "limits", Map.of("daily", n + 1)));
            }));
        }
        go.countDown();
        List<String> winners = new ArrayList<>();
        for (Future<TestServer.Resp> f : fs) {
            TestServer.Resp r = f.get(1, TimeUnit.MINUTES);
            if (r.status() == 201) {
                winners.add(r.get("name").asText());
            } else {
                Ledger.assertError(r, 409, "conflict");
            }
        }
        pool.shutdown();

        assertThat(winners).hasSize(1);
        assertThat(t.get("/api/v1/budgets/" + id).get("name").asText()).isEqualTo(winners.getFirst());
        long listed = 0;
        for (JsonNode b : t.get("/api/v1/budgets?component=" + Ledger.enc(id)).get("items")) {
            listed += b.get("budget_id").asText().equals(id) ? 1 : 0;
        }
        assertThat(listed).isEqualTo(1);
    }
}
