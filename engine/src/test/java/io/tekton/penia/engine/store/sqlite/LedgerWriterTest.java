package io.tekton.penia.engine.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-commit writer against a real SQLite file: rollup rows are summed per batch, and
 * a batch that fails (one duplicate record) is redone write by write without counting the
 * others twice.
 */
class LedgerWriterTest {
    @TempDir
    Path dir;

    @Test
    void batchedRollups_equalTheLedger_evenWhenABatchFailsAndIsRedoneOneByOne() throws Exception {
        try (Database db = Database.open(dir.resolve("ledger.db"), 4)) {
            SqliteLedger store = new SqliteLedger(db);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            try (LedgerWriter writer = new LedgerWriter(db, 10_000, 64)) {
                Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
                for (int i = 0; i < 2_000; i++) {
                    // Three combinations, two 15-minute buckets; every 97th write repeats an earlier record id.
                    String id = i % 97 == 96 ? "rec-" + (i - 1) : "rec-" + i;
                    UsageRecord r = new UsageRecord(0, id, null, t0.plusSeconds(i % 2 == 0 ? 10 : 1000),
                            "comp-" + (i % 3), "openai", "gpt-4o", 100 + i, 10 + i, 0, 0, 0,
                            Money.ofMicros(1_000 + i), "reported", null, null);
                    done.add(writer.submit(store.insertUsage(r)));
                }
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(1, TimeUnit.MINUTES);
                long failed = done.stream().filter(CompletableFuture::isCompletedExceptionally).count();
                assertThat(failed).as("each duplicate fails alone").isEqualTo(2_000 / 97);
                assertThat(writer.writes()).isEqualTo(2_000 - failed);
            }
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                ResultSet ledger = st.executeQuery("SELECT COUNT(*), SUM(cost_micros), SUM(input_tokens), SUM(output_tokens)"
                        + " FROM usage_records");
                ledger.next();
                long[] fromLedger = {ledger.getLong(1), ledger.getLong(2), ledger.getLong(3), ledger.getLong(4)};
                ResultSet rollup = st.executeQuery("SELECT SUM(record_count), SUM(cost_micros), SUM(input_tokens),"
                        + " SUM(output_tokens), COUNT(*) FROM usage_rollup");
                rollup.next();
                assertThat(new long[]{rollup.getLong(1), rollup.getLong(2), rollup.getLong(3), rollup.getLong(4)})
                        .isEqualTo(fromLedger);
                assertThat(fromLedger[0]).isEqualTo(2_000 - 2_000 / 97);
                assertThat(rollup.getLong(5)).as("rows: 3 combinations x 2 buckets").isEqualTo(6);
                ResultSet perRow = st.executeQuery("SELECT COUNT(*) FROM usage_rollup r WHERE r.cost_micros !="
                        + " (SELECT SUM(u.cost_micros) FROM usage_records u WHERE u.component = r.component"
                        + " AND (u.ts_ms / 1000 / 900) * 900 = r.bucket_s)");
                perRow.next();
                assertThat(perRow.getLong(1)).as("rollup rows that disagree with their records").isZero();
                // Batches with a duplicate were rolled back and retried one write at a time: the
                // numbers they had given were given back, and each rollup row's seq interval is its rows'.
                ResultSet seqs = st.executeQuery("SELECT MIN(seq), MAX(seq), COUNT(*) FROM usage_records");
                seqs.next();
                assertThat(seqs.getLong(2) - seqs.getLong(1) + 1).as("no seq left unused").isEqualTo(seqs.getLong(3));
                assertThat(RollupCheck.offTheirInterval(st)).as("rollup rows whose seq interval is not their rows'").isZero();
            }
        }
    }

    /**
     * The engine waits for commits without a time limit, so every accepted write must get an
     * answer: one that throws an Error (not only an SQLException) fails its own future, the
     * writer goes on with the next, and a write after close is refused at once.
     */
    @Test
    void everyWriteIsAnswered_evenOneThatThrowsAnError_andAfterClose() throws Exception {
        try (Database db = Database.open(dir.resolve("ledger.db"), 4)) {
            SqliteLedger store = new SqliteLedger(db);
            LedgerWriter writer = new LedgerWriter(db, 100, 8);
            CompletableFuture<Void> bad = writer.submit(s -> {
                throw new AssertionError("broken write");
            });
            assertThatThrownBy(() -> bad.get(1, TimeUnit.MINUTES)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(AssertionError.class);
            writer.submit(store.insertUsage(new UsageRecord(0, "after-error", null, Instant.parse("2026-11-23T10:00:00Z"),
                    "comp", "openai", "gpt-4o", 1, 1, 0, 0, 0, Money.ofMicros(5), "reported", null, null)))
                    .get(1, TimeUnit.MINUTES);
            writer.close();
            CompletableFuture<Void> late = writer.submit(s -> {
            });
            assertThat(late).isCompletedExceptionally();
            try (Connection c = db.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM usage_records WHERE record_id = 'after-error'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void underSteadyLoad_theWalStartsAgainInsteadOfGrowingWithEveryWrite() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (Database db = Database.open(file, 4)) {
            SqliteLedger store = new SqliteLedger(db);
            // Checkpoints every 10 ms, and a restart once the WAL holds 256 frames (1 MB).
            try (LedgerWriter writer = new LedgerWriter(db, 10_000, 64, 10, 256)) {
                Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
                for (int wave = 0; wave < 30; wave++) {
                    List<CompletableFuture<Void>> done = new ArrayList<>();
                    for (int i = 0; i < 1_000; i++) {
                        int n = wave * 1_000 + i;
                        done.add(writer.submit(store.insertUsage(new UsageRecord(0, "wal-" + n, null,
                                t0.plusSeconds(n), "comp-" + (n % 4), "openai", "gpt-4o", 100, 10, 0, 0, 0,
                                Money.ofMicros(1_000), "reported", null, null))));
                    }
                    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
                }
                assertThat(writer.walRestarts()).as("checkpoints by the writer that emptied the WAL").isPositive();
            }
            long wal = Files.size(Path.of(file + "-wal"));
            long db0 = Files.size(file);
            // 30,000 rows wrote far more WAL than the database holds; a WAL that starts again stays small.
            assertThat(wal).as("WAL bytes (database file is %d bytes)", db0).isLessThan(db0);
            assertThat(rows(db)).isEqualTo(30_000);
        }
    }

    private static long rows(Database db) throws Exception {
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM usage_records")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
