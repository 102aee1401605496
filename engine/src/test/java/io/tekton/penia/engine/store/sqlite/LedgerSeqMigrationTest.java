package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.LedgerStore;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 5 gives every rollup row the seq interval of its rows and drops the ledger's four
 * secondary indexes: a ledger written by version 4 (rows out of time order among them) opens
 * with each rollup row's interval exactly its rows', lists through them, and goes on numbering
 * after its last row.
 */
class LedgerSeqMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aVersion4Ledger_getsItsRollupIntervals_andLosesItsIndexes() throws Exception {
        Path file = dir.resolve("v4.db");
        long t0 = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
        LegacyRunner.createAt(file, 4, (c, st) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (record_id, ts_ms, component,"
                    + " provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,"
                    + " reasoning_tokens, cost_micros, cost_source, created_ms) VALUES (?,?,?,?,?,1,1,0,0,0,?,'reported',0)")) {
                for (int i = 0; i < 600; i++) {
                    // Mostly forward in time, every 40th row two days back: intervals of old buckets reach new seqs.
                    long ts = i % 40 == 0 ? t0 - 2 * 86_400_000L - i * 1000L : t0 + i * 7_000L;
                    ps.setString(1, "old-" + i);
                    ps.setLong(2, ts);
                    ps.setString(3, i % 3 == 0 ? "athena" : "hermes");
                    ps.setString(4, "openai");
                    ps.setString(5, i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini");
                    ps.setLong(6, 10 + i);
                    ps.executeUpdate();
                }
            }
            st.execute("INSERT INTO usage_rollup SELECT (ts_ms / 1000 / 900) * 900, component, provider, model,"
                    + " SUM(cost_micros), SUM(input_tokens), SUM(output_tokens), COUNT(*) FROM usage_records GROUP BY 1, 2, 3, 4");
        });
        try (Database db = Database.open(file, 2)) {
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                assertThat(RollupCheck.offTheirInterval(st)).as("rollup rows whose interval is not their rows'").isZero();
                ResultSet filled = st.executeQuery("SELECT COUNT(*), COUNT(min_seq) FROM usage_rollup");
                filled.next();
                assertThat(filled.getLong(2)).isEqualTo(filled.getLong(1)).isPositive();
                ResultSet idx = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index'"
                        + " AND tbl_name = 'usage_records' AND sql IS NOT NULL");
                assertThat(idx.next()).as("no secondary index left on the ledger").isFalse();
            }
            SqliteLedger store = new SqliteLedger(db);
            List<String> athenaBack = new ArrayList<>();
            store.queryUsage(new LedgerStore.UsageFilter("athena", null, null, null, Instant.ofEpochMilli(t0)), null, 100)
                    .forEach(r -> athenaBack.add(r.recordId()));
            List<String> expected = new ArrayList<>();
            for (int i = 599; i >= 0; i--) {
                if (i % 40 == 0 && i % 3 == 0) {
                    expected.add("old-" + i);
                }
            }
            assertThat(athenaBack).isEqualTo(expected);

            try (LedgerWriter writer = new LedgerWriter(db, 100, 16)) {
                writer.submit(store.insertUsage(new UsageRecord(0, "new-0", null, Instant.ofEpochMilli(t0 - 2 * 86_400_000L),
                        "athena", "openai", "gpt-4o", 1, 1, 0, 0, 0, Money.ofMicros(5), "reported", null, null)))
                        .get(30, TimeUnit.SECONDS);
            }
            List<UsageRecord> newest = store.queryUsage(new LedgerStore.UsageFilter("athena", null, "gpt-4o", null,
                    Instant.ofEpochMilli(t0)), null, 2);
            assertThat(newest).extracting(UsageRecord::recordId).containsExactly("new-0", "old-480");
            assertThat(newest.getFirst().seq()).isEqualTo(601);
        }
    }
}
