package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.ConcurrentHolds;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * Issue 23, guarantee 1: atomic holds across three instances on one PostgreSQL. 3,000 concurrent
 * $0.01 checks with reserve, spread over the three, on a $5 budget stopping at 100 % → exactly
 * 500 allowed; holds settled, released and expired through different instances; afterwards
 * reserved 0 and spent equal to the ledger's rows (SQL) to the micro-dollar on every instance.
 */
class ClusterHoldsTest extends TrioPerClass {
    @Test
    void threeThousandChecksOverThreeInstances_allowExactly500_andHoldsEndExactlyInTheLedger() throws Exception {
        String c = uniq("trio-holds");
        String id = trio.client(1).componentBudget(c, Map.of("monthly", "5"), "block", 80, 100);

        long started = System.nanoTime();
        List<String> held = reserve(c, 3_000, 500, 600L);
        long checksMs = (System.nanoTime() - started) / 1_000_000;
        for (PeniaClient p : trio.clients) {
            assertUsd(p.period(id, "monthly").get("reserved"), "5.00");
        }

        // 150 settled at $0.007 and 150 released, each through the instance after the one that held it.
        ExecutorService pool = Executors.newFixedThreadPool(24);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String hold = held.get(i);
            PeniaClient via = trio.client(i + 1);
            boolean settle = i % 2 == 0;
            fs.add(pool.submit(() -> {
                if (settle) {
                    Map<String, Object> u = PeniaClient.usage(c, "openai", "gpt-4o", 10, 10, "0.007");
                    u.put("reservation_id", hold);
                    assertThat(via.record(u).get("reservation_id").asText()).isEqualTo(hold);
                } else {
                    via.expect(200, "POST", "/api/v1/reservations/" + hold + "/release", null);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        for (PeniaClient p : trio.clients) {
            JsonNode m = p.period(id, "monthly");
            assertUsd(m.get("spent"), "1.05");
            assertUsd(m.get("reserved"), "2.00");
        }

        // The room freed (5 - 1.05 - 2.00 = 1.95): 195 short holds of 6 s among 400 checks; they expire.
        List<String> shortHolds = reserve(c, 400, 195, 6L);
        assertUsd(trio.client(2).period(id, "monthly").get("reserved"), "3.95");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            for (PeniaClient p : trio.clients) {
                assertUsd(p.period(id, "monthly").get("reserved"), "2.00");
            }
        });
        assertThat(trio.column("SELECT status FROM reservations WHERE reservation_id = ?", shortHolds.getFirst()))
                .containsExactly("expired");

        // The 200 long holds left: released through the three instances in turn.
        for (int i = 300; i < 500; i++) {
            trio.client(i).expect(200, "POST", "/api/v1/reservations/" + held.get(i) + "/release", null);
        }
        pool.shutdown();

        long[] ledger = trio.ledger(c);
        assertThat(ledger[1]).as("ledger rows").isEqualTo(150);
        assertThat(ledger[0]).as("ledger micro-dollars").isEqualTo(1_050_000);
        for (PeniaClient p : trio.clients) {
            JsonNode m = p.period(id, "monthly");
            assertUsd(m.get("reserved"), "0");
            assertThat(m.get("spent").decimalValue().movePointRight(6).longValueExact()).isEqualTo(ledger[0]);
            assertThat(p.ledgerSum(c)).isEqualByComparingTo("1.05");
        }
        assertThat(trio.column("SELECT COUNT(*) FROM reservations WHERE component = ? AND status = 'active'", c))
                .containsExactly("0");
        System.out.println("ClusterHoldsTest: 3000 checks over 3 instances in " + checksMs + " ms");
    }

    /** {@code n} concurrent $0.01 checks with reserve spread over the three; exactly {@code allowedExpected} hold. */
    static List<String> reserve(String c, int n, int allowedExpected, long ttlSeconds) throws Exception {
        return ConcurrentHolds.reserve(48, n, allowedExpected, i -> {
            Map<String, Object> body = new HashMap<>(Map.of("component", c, "provider", "openai", "model",
                    "gpt-4o", "estimated_cost", new BigDecimal("0.01"), "reserve", true,
                    "reservation_ttl_seconds", ttlSeconds));
            TestServer.Resp r = trio.client(i).post(PeniaClient.CHECK, body);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            return r.body();
        });
    }
}
