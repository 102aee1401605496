package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.config.PeniaConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 18, item 9: a full ledger-writer queue never makes a caller wait under the engine lock.
 * The writer is stalled by holding SQLite's write lock from another connection on the database
 * file, so its commit waits and its queue (16 writes here) fills. A record or a reserving check
 * then answers 503 {@code unavailable} with {@code Retry-After} at once and leaves nothing behind
 * (no hold, no spend), while reads (GET /budgets, a check without reserve) answer as usual; once
 * the database is free again every accepted record is committed.
 */
@PeniaServerTest
class WriterBackpressureTest {
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final int QUEUE = 16;
    static TestServer t;

    /** The server with a writer queue of {@code QUEUE} writes. */
    @PeniaServerTest.Factory
    static TestServer server() {
        return TestServer.start(Map.of(), InstantSource.system(), c -> new PeniaConfig(c.server(), c.database(), c.zone(),
                new PeniaConfig.Engine(c.engine().reservationTtl(), c.engine().maxReservationTtl(),
                        c.engine().evaluationInterval(), QUEUE, c.engine().writerMaxBatch(), c.engine().maxBackdate(),
                        c.engine().forecast(), c.engine().anomaly()),
                c.alerts(), c.hermes(), c.websocket(), c.mcp(), c.security(), c.mail(), c.seedBudgets()));
    }

    static Map<String, Object> usage(String component) {
        return PeniaClient.usage(component, "openai", "gpt-4o", 10, 5, "0.01");
    }

    static Map<String, Object> check(String component, boolean reserve) {
        return Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "estimated_cost", new BigDecimal("0.50"), "reserve", reserve);
    }

    static HttpRequest request(String method, String path, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base() + path)).timeout(Duration.ofSeconds(30));
        return body == null ? b.GET().build() : b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(TestServer.json(body))).build();
    }

    /** A request that must be answered within 3 s; returns the response and how long it took. */
    record Timed(HttpResponse<String> response, long millis) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(response.body());
            } catch (IOException e) {
                throw new AssertionError(response.body(), e);
            }
        }
    }

    static Timed timed(String method, String path, Object body) throws Exception {
        HttpRequest r = request(method, path, body);
        long t0 = System.nanoTime();
        HttpResponse<String> res = CLIENT.sendAsync(r, HttpResponse.BodyHandlers.ofString())
                .get(3, java.util.concurrent.TimeUnit.SECONDS);
        return new Timed(res, (System.nanoTime() - t0) / 1_000_000);
    }

    static JsonNode monthly(String budgetId) {
        return t.get("/api/v1/budgets/" + budgetId + "/summary").body().get("periods").get("monthly");
    }

    static void assertRefusedAtOnce(Timed r) {
        assertThat(r.response().statusCode()).as(r.response().body()).isEqualTo(503);
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("unavailable");
        assertThat(r.response().headers().firstValue("Retry-After")).as("Retry-After").hasValue("1");
        assertThat(r.millis()).as("answered at once, not after waiting for room").isLessThan(1000);
    }

    @Test
    void fullWriterQueue_refusesWritesAtOnceWithRetryAfter_readsGoOn_andNothingHalfApplied() throws Exception {
        String c = Ledger.uniq("backpressure");
        String id = Ledger.budget(t, Map.of("name", c, "scope", Map.of("component", c),
                "limits", Map.of("monthly", new BigDecimal("1000")), "enforcement", "block"));
        Ledger.record(t, usage(c));

        List<CompletableFuture<HttpResponse<String>>> records = new ArrayList<>();
        try (Connection hold = DriverManager.getConnection("jdbc:sqlite:" + t.dbFile().toAbsolutePath());
             Statement st = hold.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                for (int i = 0; i < 40; i++) {
                    records.add(CLIENT.sendAsync(request("POST", "/api/v1/usage/record", usage(c)),
                            HttpResponse.BodyHandlers.ofString()));
                }
                // The writer waits for the database; 16 writes fill its queue, the rest are refused at once.
                await().atMost(Duration.ofSeconds(2)).until(() -> records.stream()
                        .anyMatch(f -> f.isDone() && f.join().statusCode() == 503));
                assertThat(t.get("/health").body().path("ledger").path("writer_queued").asInt()).isEqualTo(QUEUE);

                assertRefusedAtOnce(timed("POST", "/api/v1/usage/record", usage(c)));
                assertRefusedAtOnce(timed("POST", "/api/v1/budget-alerts/unified/check-operation", check(c, true)));

                Timed list = timed("GET", "/api/v1/budgets", null);
                assertThat(list.response().statusCode()).isEqualTo(200);
                assertThat(list.millis()).as("GET /budgets is not stalled").isLessThan(1000);
                Timed peek = timed("POST", "/api/v1/budget-alerts/unified/check-operation", check(c, false));
                assertThat(peek.response().statusCode()).as(peek.response().body()).isEqualTo(200);
                assertThat(peek.json().get("allowed").asBoolean()).isTrue();
                assertThat(peek.millis()).as("a check without reserve is not stalled").isLessThan(1000);
                // The refused hold left nothing held.
                assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0");
            } finally {
                st.execute("ROLLBACK");
            }
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> records.stream().allMatch(CompletableFuture::isDone));
        int created = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> f : records) {
            HttpResponse<String> r = f.join();
            if (r.statusCode() == 201) {
                created++;
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                refused++;
            }
        }
        assertThat(refused).isPositive();
        assertThat(created).isGreaterThanOrEqualTo(QUEUE);
        // Exactly the accepted records are in the ledger and in the counters; the refused ones nowhere.
        BigDecimal expected = new BigDecimal("0.01").multiply(BigDecimal.valueOf(created + 1L));
        assertThat(Ledger.rows(t, "component=" + c, 1000)).hasSize(created + 1);
        assertThat(monthly(id).get("spent").decimalValue()).isEqualByComparingTo(expected);
        assertThat(monthly(id).get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(t.post("/api/v1/usage/summary", Map.of("component", c)).get("total_cost").decimalValue())
                .isEqualByComparingTo(expected);
        // And writes are accepted again.
        Ledger.record(t, usage(c));
    }
}
