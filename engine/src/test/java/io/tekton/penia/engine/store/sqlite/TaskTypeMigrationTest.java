package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.LedgerStore;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 6 adds the task type to the ledger and to the rollups' key: a ledger written by
 * version 5 opens with every row and rollup of the default task type (sums and seq intervals
 * unchanged), and a new task type in the same bucket gets a rollup row of its own.
 */
class TaskTypeMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aVersion5Ledger_isOfTheDefaultTaskType_andNewTaskTypesRollUpApart() throws Exception {
        Path file = dir.resolve("v5.db");
        long t0 = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
        LegacyRunner.createAt(file, 5, (c, st) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (seq, record_id, ts_ms, component,"
                    + " provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,"
                    + " reasoning_tokens, cost_micros, cost_source, created_ms) VALUES (?,?,?,'athena','openai','gpt-4o',"
                    + " 2,1,0,0,0,?,'reported',0)")) {
                for (int i = 1; i <= 10; i++) {
                    ps.setLong(1, i);
                    ps.setString(2, "old-" + i);
                    ps.setLong(3, t0 + i * 1000L);
                    ps.setLong(4, 100L * i);
                    ps.executeUpdate();
                }
            }
            st.execute("INSERT INTO usage_rollup SELECT (ts_ms / 1000 / 900) * 900, component, provider, model,"
                    + " SUM(cost_micros), SUM(input_tokens), SUM(output_tokens), COUNT(*), MIN(seq), MAX(seq)"
                    + " FROM usage_records GROUP BY 1, 2, 3, 4");
        });
        try (Database db = Database.open(file, 2)) {
            SqliteLedger store = new SqliteLedger(db);
            List<LedgerStore.RollupRow> rollups = store.loadRollups(Instant.ofEpochMilli(0), Instant.parse("2100-01-01T00:00:00Z"));
            assertThat(rollups).hasSize(1);
            assertThat(rollups.getFirst().taskType()).isEqualTo("default");
            assertThat(rollups.getFirst().costMicros()).isEqualTo(5_500);
            assertThat(rollups.getFirst().count()).isEqualTo(10);
            assertThat(store.queryUsage(new LedgerStore.UsageFilter(null, null, null, "default", null, null), null, 100))
                    .hasSize(10).allSatisfy(r -> assertThat(r.taskType()).isEqualTo("default"));

            try (LedgerWriter writer = new LedgerWriter(db, 100, 16)) {
                writer.submit(store.insertUsage(new UsageRecord(0, "new-code", null, Instant.ofEpochMilli(t0 + 20_000),
                        "athena", "openai", "gpt-4o", "code", 1, 1, 0, 0, 0, Money.ofMicros(7), "reported", null, null)))
                        .get(30, TimeUnit.SECONDS);
            }
            List<UsageRecord> code = store.queryUsage(new LedgerStore.UsageFilter("athena", null, null, "code", null,
                    null), null, 100);
            assertThat(code).extracting(UsageRecord::recordId).containsExactly("new-code");
            assertThat(code.getFirst().seq()).isEqualTo(11);
            assertThat(store.sumRaw(new LedgerStore.UsageFilter("athena", null, null, null, null, null), false))
                    .extracting(LedgerStore.RollupRow::taskType, LedgerStore.RollupRow::costMicros)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("default", 5_500L),
                            org.assertj.core.groups.Tuple.tuple("code", 7L));
            try (Connection c = db.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT task_type, record_count, min_seq, max_seq FROM usage_rollup"
                         + " ORDER BY task_type")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("code");
                assertThat(rs.getLong(3)).isEqualTo(11);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("default");
                assertThat(rs.getLong(2)).isEqualTo(10);
                assertThat(rs.getLong(3)).isEqualTo(1);
                assertThat(rs.getLong(4)).isEqualTo(10);
                assertThat(rs.next()).isFalse();
            }
        }
    }
}
