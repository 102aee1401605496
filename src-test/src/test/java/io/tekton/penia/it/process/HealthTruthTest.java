package io.tekton.penia.it.process;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /health} tells the truth (issue 18, item 7): 503 {@code degraded} with a reason while
 * the database refuses the ledger's writes, {@code healthy} again once it takes them, and a
 * failed write never leaves the writer refusing later ones.
 */
@Tag("slow")
class HealthTruthTest {

    static Map<String, Object> usage(String component) {
        return Map.of("component", component, "provider", "openai", "model", "gpt-4o", "input_tokens", 100,
                "output_tokens", 10, "cost", 0.01, "request_id", UUID.randomUUID().toString());
    }

    /** The server's counters for the component equal its rows in the ledger, and both equal {@code n}. */
    static void countersEqualLedger(TestServer t, String component, int n) {
        JsonNode sum = t.post("/api/v1/usage/summary", Map.of("component", component)).body();
        assertThat(sum.get("count").asLong()).as("summary count").isEqualTo(n);
        assertThat(sum.get("total_cost").decimalValue()).isEqualByComparingTo(java.math.BigDecimal.valueOf(n).movePointLeft(2));
        assertThat(t.get("/api/v1/usage/records?limit=500&component=" + component).get("items")).hasSize(n);
    }

    @Test
    void whileAnotherProgramHoldsTheWriteLock_healthIsDegraded_thenHealthyAgain_andLaterRecordsSucceed()
            throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.post("/api/v1/usage/record", usage("lock")).status()).isEqualTo(201);
            assertThat(t.get("/health").get("status").asText()).isEqualTo("healthy");
            // Another program (a backup, the sqlite3 shell) takes the write lock and keeps it.
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + t.dbFile())) {
                try (Statement st = other.createStatement()) {
                    st.execute("PRAGMA busy_timeout=100");
                    st.execute("BEGIN IMMEDIATE");
                }
                CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(
                        () -> t.post("/api/v1/usage/record", usage("lock")).status());
                await().atMost(Duration.ofSeconds(40)).until(() -> t.get("/health").status() == 503);
                TestServer.Resp h = t.get("/health");
                assertThat(h.get("status").asText()).isEqualTo("degraded");
                assertThat(h.get("reason").asText()).contains("ledger").contains(t.dbFile().toString());
                assertThat(h.get("database").asText()).isEqualTo("connected");
                assertThat(blocked.get()).isEqualTo(503);
                try (Statement st = other.createStatement()) {
                    st.execute("ROLLBACK");
                }
            }
            // Recovered without any new write: the writer's probe.
            await().atMost(Duration.ofSeconds(20)).until(() -> t.get("/health").status() == 200);
            assertThat(t.get("/health").get("status").asText()).isEqualTo("healthy");
            assertThat(t.get("/health").body().has("reason")).isFalse();
            for (int i = 0; i < 3; i++) {
                assertThat(t.post("/api/v1/usage/record", usage("lock")).status()).isEqualTo(201);
            }
            countersEqualLedger(t, "lock", 4);
        }
    }

    @Test
    void aWriteFailingOnARowAnotherProgramWrote_doesNotLeaveTheWriterRefusingEveryLaterWrite() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.post("/api/v1/usage/record", usage("seq")).status()).isEqualTo(201);
            // Another program appends a ledger row: the seq the writer would give next is taken.
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + t.dbFile());
                 Statement st = other.createStatement()) {
                st.execute("PRAGMA busy_timeout=10000");
                long next;
                try (ResultSet rs = st.executeQuery("SELECT MAX(seq) + 1 FROM usage_records")) {
                    rs.next();
                    next = rs.getLong(1);
                }
                try (PreparedStatement ps = other.prepareStatement("INSERT INTO usage_records (seq, record_id,"
                        + " ts_ms, component, provider, model, input_tokens, output_tokens, cached_input_tokens,"
                        + " cache_write_tokens, reasoning_tokens, cost_micros, cost_source, created_ms)"
                        + " VALUES (?, ?, ?, 'foreign', 'openai', 'gpt-4o', 1, 1, 0, 0, 0, 10000, 'reported', ?)")) {
                    long now = System.currentTimeMillis();
                    ps.setLong(1, next);
                    ps.setString(2, "foreign-" + UUID.randomUUID());
                    ps.setLong(3, now);
                    ps.setLong(4, now);
                    ps.executeUpdate();
                }
            }
            // At most the first write after it fails; every later one is stored.
            int ok = 1;
            int first = t.post("/api/v1/usage/record", usage("seq")).status();
            assertThat(first).isIn(201, 503);
            ok += first == 201 ? 1 : 0;
            for (int i = 0; i < 5; i++) {
                assertThat(t.post("/api/v1/usage/record", usage("seq")).status()).as("record %d after", i)
                        .isEqualTo(201);
                ok++;
            }
            countersEqualLedger(t, "seq", ok);
            assertThat(t.get("/health").status()).isEqualTo(200);
        }
    }
}
