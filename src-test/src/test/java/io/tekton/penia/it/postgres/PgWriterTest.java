package io.tekton.penia.it.postgres;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StorageConfig;
import io.tekton.penia.engine.store.postgres.PgStorage;
import io.tekton.penia.it.support.PgCluster;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PostgreSQL writer under the storage port (issue 23): group commit with rollups equal to the
 * ledger when a batch fails and is redone one write at a time; the fencing hook ({@code BatchGuard})
 * refuses a whole batch, uncommitted; the ledger seq is read again after a foreign row.
 */
class PgWriterTest {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    static UsageRecord record(String id, int i) {
        return new UsageRecord(0, id, null, T0.plusSeconds(i % 2 == 0 ? 10 : 1000), "comp-" + (i % 3), "openai",
                "gpt-4o", 100 + i, 10 + i, 0, 0, 0, Money.ofMicros(1_000 + i), "reported", null, null);
    }

    static long[] sums(Connection c, String table, String count) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + count
                + ", SUM(cost_micros), SUM(input_tokens), SUM(output_tokens) FROM " + table)) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    @Test
    void batchesWithABadWrite_areRedoneOneByOne_andTheRollupsEqualTheLedger() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (Storage s = Storage.open(new StorageConfig(pg.url(db), 4))) {
            assertThat(s).isInstanceOf(PgStorage.class);
            CommitQueue writer = s.startWriter(10_000, 64);
            LedgerStore ledger = s.ledger();
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                String id = i % 97 == 96 ? "rec-" + (i - 1) : "rec-" + i; // every 97th repeats a record id
                done.add(writer.submit(ledger.insertUsage(record(id, i))));
            }
            int failed = 0;
            for (CompletableFuture<Void> f : done) {
                try {
                    f.get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            assertThat(failed).as("each duplicate fails alone").isEqualTo(2_000 / 97);
            assertThat(writer.writes()).isEqualTo(2_000 - failed);
            assertThat(writer.commits()).as("grouped").isLessThan(2_000 - failed);
            assertThat(writer.failing()).isNull();
            try (Connection c = pg.connect(db)) {
                long[] rows = sums(c, "usage_records", "COUNT(*)");
                long[] rollups = sums(c, "usage_rollup", "SUM(record_count)");
                assertThat(rows[0]).isEqualTo(2_000 - failed);
                assertThat(rollups).isEqualTo(rows);
                assertThat(ledger.ledgerTotals()).containsExactly(rows[1], rows[2], rows[3]);
            }
            assertThat(ledger.countUsage()).isEqualTo(2_000 - failed);
            assertThat(ledger.queryUsage(new LedgerStore.UsageFilter("comp-1", null, null, null, null), null, 5))
                    .hasSize(5).allMatch(r -> r.component().equals("comp-1"));
        }
    }

    @Test
    void theBatchGuard_refusesAWholeBatchUncommitted_andAForeignSeqIsReadAgain() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (PgStorage s = (PgStorage) Storage.open(StorageConfig.postgres(pg.url(db), null, 2))) {
            CommitQueue writer = s.startWriter(100, 16);
            LedgerStore ledger = s.ledger();
            writer.submit(ledger.insertUsage(record("before", 0))).get(1, TimeUnit.MINUTES);

            // A deposed leader: the guard (run first in the transaction, on the writer's connection) throws.
            List<Boolean> inTransaction = new ArrayList<>();
            s.setBatchGuard(c -> {
                inTransaction.add(!c.getAutoCommit());
                throw new SQLException("fenced: epoch 7 is not ours");
            });
            CompletableFuture<Void> refused = writer.submit(ledger.insertUsage(record("fenced", 1)));
            assertThatThrownBy(() -> refused.get(1, TimeUnit.MINUTES)).hasMessageContaining("fenced");
            assertThat(inTransaction).isNotEmpty().allMatch(b -> b);
            assertThat(writer.failing()).contains("fenced");

            // The guard passes again (it may query the writer's connection): writes go on.
            s.setBatchGuard(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                }
            });
            writer.submit(ledger.insertUsage(record("after", 2))).get(1, TimeUnit.MINUTES);
            assertThat(writer.failing()).isNull();

            // The writer's connection is killed while idle (PostgreSQL restarted it, an idle timeout):
            // the next batch, refused on it before any commit, goes through on a new connection.
            try (Connection c = pg.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                         + " AND application_name = 'penia'")) {
                rs.next();
                assertThat(rs.getLong(1)).isPositive();
            }
            writer.submit(ledger.insertUsage(record("after-kill", 5))).get(1, TimeUnit.MINUTES);
            assertThat(writer.failing()).isNull();

            // A row written by someone else takes the next seq: the writer's next batch fails once,
            // then it reads MAX(seq) again and goes on.
            try (Connection c = pg.connect(db); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO usage_records (seq, record_id, ts_ms, component, provider, model,"
                        + " input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,"
                        + " cost_micros, cost_source, created_ms) SELECT MAX(seq) + 1, 'foreign', 0, 'x', 'y', 'z',"
                        + " 0, 0, 0, 0, 0, 0, 'reported', 0 FROM usage_records");
            }
            try {
                writer.submit(ledger.insertUsage(record("collides", 3))).get(1, TimeUnit.MINUTES);
            } catch (ExecutionException expected) {
                // the one write that met the foreign seq
            }
            writer.submit(ledger.insertUsage(record("later", 4))).get(1, TimeUnit.MINUTES);
            try (Connection c = pg.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT string_agg(record_id, ',' ORDER BY seq) FROM usage_records")) {
                rs.next();
                assertThat(rs.getString(1)).doesNotContain("fenced").startsWith("before,after,after-kill,foreign").endsWith("later");
            }
        }
    }
}
