package io.tekton.penia.it.postgres;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StorageConfig;
import io.tekton.penia.engine.store.Write;
import io.tekton.penia.engine.store.postgres.PgStorage;
import io.tekton.penia.it.support.PgCluster;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(1, TimeUnit.MINUTES);
            long failed = done.stream().filter(CompletableFuture::isCompletedExceptionally).count();
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

    static Reservation hold(String id) {
        return new Reservation(id, "comp", "openai", "gpt-4o", Money.ofMicros(5_000), List.of("b1", "b2"), T0,
                T0.plusSeconds(60), Reservation.ACTIVE);
    }

    static Map<String, String> statuses(Connection c) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT reservation_id, status FROM reservations ORDER BY reservation_id")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /**
     * The writer sends a batch's inserts and updates per statement (JDBC batches), yet their effect is
     * that of running them in order: a hold closed after its insert in the same transaction is closed,
     * one closed before its insert stays active, and a duplicate (hold or record) still fails its write alone.
     */
    @Test
    void batchedUpdates_keepTheOrderOfTheirWrites_andABadWriteStillFailsAlone() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (Storage s = Storage.open(new StorageConfig(pg.url(db), 4))) {
            CommitQueue writer = s.startWriter(10_000, 64);
            LedgerStore ledger = s.ledger();
            Instant at = T0.plusSeconds(5);
            // One write, one transaction: inserts and updates of one table interleaved, by id.
            writer.submit(Write.all(List.of(
                    ledger.insertReservation(hold("r-a")),
                    ledger.insertUsage(record("u-a", 0)),
                    ledger.closeReservation("r-a", Reservation.SETTLED, at),
                    ledger.closeReservation("r-y", Reservation.RELEASED, at), // before its insert: no row yet
                    ledger.insertReservation(hold("r-b")),
                    ledger.insertReservation(hold("r-y")),
                    ledger.insertUsage(record("u-b", 1)),
                    ledger.closeReservation("r-b", Reservation.EXPIRED, at),
                    ledger.insertReservation(hold("r-c"))))).get(1, TimeUnit.MINUTES);
            try (Connection c = pg.connect(db)) {
                assertThat(statuses(c)).containsExactly(Map.entry("r-a", "settled"), Map.entry("r-b", "expired"),
                        Map.entry("r-c", "active"), Map.entry("r-y", "active"));
            }

            // Many writes queued at once (grouped into batches): every 50th repeats a hold, every 70th a record.
            List<CompletableFuture<Void>> done = new ArrayList<>();
            List<String> failedIds = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                String hid = i % 50 == 49 ? "h-" + (i - 1) : "h-" + i;
                String rid = i % 70 == 69 ? "rec-" + (i - 1) : "rec-" + i;
                ids.add(hid + "/" + rid);
                done.add(writer.submit(ledger.insertReservation(hold(hid))));
                done.add(writer.submit(Write.all(List.of(ledger.insertUsage(record(rid, i)),
                        ledger.closeReservation(hid, Reservation.SETTLED, at)))));
            }
            int failedHolds = 0;
            int failedSettles = 0;
            for (int i = 0; i < done.size(); i++) {
                try {
                    done.get(i).get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    failedIds.add(ids.get(i / 2));
                    if (i % 2 == 0) {
                        failedHolds++;
                        assertThat(e.getCause()).hasMessageContaining("duplicate key");
                    } else {
                        failedSettles++;
                        assertThat(e.getCause()).hasMessageContaining("duplicate usage record");
                    }
                }
            }
            assertThat(failedHolds).as("each repeated hold fails alone: " + failedIds).isEqualTo(1_000 / 50);
            assertThat(failedSettles).as("each repeated record fails alone: " + failedIds).isEqualTo(1_000 / 70);
            assertThat(writer.failing()).isNull();
            try (Connection c = pg.connect(db)) {
                Map<String, String> st = statuses(c);
                long settled = st.entrySet().stream().filter(e -> e.getKey().startsWith("h-"))
                        .filter(e -> e.getValue().equals("settled")).count();
                assertThat(st.keySet().stream().filter(k -> k.startsWith("h-")).count()).isEqualTo(1_000 - 1_000 / 50);
                // A hold is settled by its own settle, or by its repeat's; not when its settle repeated a record.
                long expected = 0;
                for (int i = 0; i < 1_000; i++) {
                    boolean inserted = i % 50 != 49;
                    boolean ownSettle = i % 70 != 69;
                    boolean repeatSettles = (i + 1) % 50 == 49 && (i + 1) % 70 != 69;
                    if (inserted && (ownSettle || repeatSettles)) {
                        expected++;
                    }
                }
                assertThat(settled).isEqualTo(expected).isLessThan(1_000 - 1_000 / 50);
                long[] rows = sums(c, "usage_records", "COUNT(*)");
                assertThat(rows[0]).isEqualTo(2 + 1_000 - 1_000 / 70);
                assertThat(sums(c, "usage_rollup", "SUM(record_count)")).isEqualTo(rows);
            }
        }
    }
}
