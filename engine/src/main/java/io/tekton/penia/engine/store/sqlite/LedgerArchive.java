package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage.Archived;
import io.tekton.penia.engine.store.Storage.ArchivedMonth;
import io.tekton.penia.engine.store.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Retention of the raw ledger: rows older than a cut-off are moved to one SQLite file per month
 * ({@code ledger-YYYY-MM.db}, the month in the engine's zone, table {@code usage_records} with
 * the ledger's columns) and deleted from the live database. The rollups stay: every summary of
 * whole 15-minute buckets (every budget period, every summary on quarter hours) stays exact.
 *
 * <p>Each chunk is first committed to its archive file ({@code INSERT OR IGNORE} by seq), then
 * deleted through the ledger writer: a crash between the two leaves rows in both, and the next
 * run inserts nothing twice. Rows recorded later with an old timestamp (a backdated record) are
 * archived by the next run.
 */
public final class LedgerArchive {
    private static final System.Logger LOG = System.getLogger(LedgerArchive.class.getName());
    /** Rows per chunk: one archive commit and one writer transaction each. */
    private static final int CHUNK = 2_000;
    private static final String COLUMNS = "seq, record_id, request_id, ts_ms, component, provider, model, input_tokens,"
            + " output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_micros, cost_source,"
            + " price_version, reservation_id, created_ms";
    private static final int COLUMN_COUNT = 17;
    private static final String ARCHIVE_TABLE = "CREATE TABLE IF NOT EXISTS usage_records (seq INTEGER PRIMARY KEY,"
            + " record_id TEXT NOT NULL, request_id TEXT, ts_ms INTEGER NOT NULL, component TEXT NOT NULL,"
            + " provider TEXT NOT NULL, model TEXT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
            + " cached_input_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,"
            + " reasoning_tokens INTEGER NOT NULL, cost_micros INTEGER NOT NULL, cost_source TEXT NOT NULL,"
            + " price_version TEXT, reservation_id TEXT, created_ms INTEGER NOT NULL)";

    private final SqliteLedger store;
    private final LedgerWriter writer;
    private final Path dir;
    private final ZoneId zone;

    public LedgerArchive(SqliteLedger store, LedgerWriter writer, Path dir, ZoneId zone) {
        this.store = store;
        this.writer = writer;
        this.dir = dir;
        this.zone = zone;
    }

    /** The monthly file of {@code month}. */
    public Path file(YearMonth month) {
        return dir.resolve("ledger-" + month + ".db");
    }

    /**
     * Moves every ledger row with a timestamp before {@code cutoff} to its monthly file and
     * deletes it; {@code cutoff} must be a month's start in the zone (whole rollup buckets).
     */
    public Archived archiveBefore(Instant cutoff) {
        long bound = maxSeqBefore(cutoff);
        // The watermark first: from now on a partial-bucket sum before it is refused rather than
        // answered without the rows this run is about to move (even if the run stops half-way).
        mark(cutoff);
        Map<YearMonth, long[]> moved = new LinkedHashMap<>();
        long after = 0;
        long total = 0;
        while (bound > 0) {
            List<Object[]> rows = chunk(after, bound, cutoff);
            if (rows.isEmpty()) {
                break;
            }
            Map<YearMonth, List<Object[]>> byMonth = new LinkedHashMap<>();
            for (Object[] r : rows) {
                byMonth.computeIfAbsent(YearMonth.from(Instant.ofEpochMilli((Long) r[3]).atZone(zone)),
                        m -> new ArrayList<>()).add(r);
            }
            for (Map.Entry<YearMonth, List<Object[]>> e : byMonth.entrySet()) {
                append(e.getKey(), e.getValue());
                long[] m = moved.computeIfAbsent(e.getKey(), k -> new long[2]);
                m[0] += e.getValue().size();
                for (Object[] r : e.getValue()) {
                    m[1] += (Long) r[12];
                }
            }
            delete(rows);
            total += rows.size();
            after = (Long) rows.getLast()[0];
        }
        unlink(cutoff, bound);
        List<ArchivedMonth> months = new ArrayList<>();
        moved.forEach((m, n) -> months.add(new ArchivedMonth(m.toString(), file(m), n[0], n[1])));
        if (total > 0) {
            LOG.log(System.Logger.Level.INFO, "archived " + total + " ledger rows before " + cutoff + " to " + dir
                    + " (" + months.size() + " monthly file(s))");
        }
        return new Archived(store.archivedBefore().orElse(cutoff), months, total);
    }

    /** The highest seq a row before the cut-off can have: the newest seq of the rollup buckets before it. */
    private long maxSeqBefore(Instant cutoff) {
        try (Connection c = store.database().connection();
             PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(max_seq), 0) FROM usage_rollup WHERE bucket_s < ?")) {
            ps.setLong(1, cutoff.getEpochSecond());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new StoreException("archive: cannot read the rollups: " + e.getMessage(), e);
        }
    }

    private List<Object[]> chunk(long after, long bound, Instant cutoff) {
        try (Connection c = store.database().connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM usage_records"
                     + " WHERE seq > ? AND seq <= ? AND ts_ms < ? ORDER BY seq LIMIT " + CHUNK)) {
            ps.setLong(1, after);
            ps.setLong(2, bound);
            ps.setLong(3, cutoff.toEpochMilli());
            List<Object[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object[] r = new Object[COLUMN_COUNT];
                    for (int i = 0; i < COLUMN_COUNT; i++) {
                        r[i] = rs.getObject(i + 1);
                        if (r[i] instanceof Integer n) {
                            r[i] = n.longValue();
                        }
                    }
                    out.add(r);
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("archive: cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /** Commits the rows to the month's file (created when missing); rows already there are kept as they are. */
    private void append(YearMonth month, List<Object[]> rows) {
        Path file = file(month);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("archive: cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (Connection c = Backup.openOrCreate(file)) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA synchronous = FULL");
                st.execute(ARCHIVE_TABLE);
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO usage_records (" + COLUMNS
                    + ") VALUES (" + "?,".repeat(COLUMN_COUNT - 1) + "?)")) {
                for (Object[] r : rows) {
                    for (int i = 0; i < COLUMN_COUNT; i++) {
                        ps.setObject(i + 1, r[i]);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("archive: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void delete(List<Object[]> rows) {
        await(writer.submit(s -> {
            PreparedStatement ps = s.get("DELETE FROM usage_records WHERE seq = ?");
            for (Object[] r : rows) {
                ps.setLong(1, (Long) r[0]);
                ps.addBatch();
            }
            ps.executeBatch();
        }));
    }

    /** Moves the retention watermark up to the cut-off (never down). */
    private void mark(Instant cutoff) {
        long was = store.archivedBefore().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE);
        if (cutoff.toEpochMilli() <= was) {
            return;
        }
        await(writer.submit(store.putSetting(LedgerStore.ARCHIVED_BEFORE, Long.toString(cutoff.toEpochMilli()))));
        store.archivedBefore(cutoff);
    }

    /**
     * The rollup rows before the cut-off no longer point at ledger rows (listings and partial
     * sums skip them), unless a row arrived in their bucket after this run began.
     */
    private void unlink(Instant cutoff, long bound) {
        await(writer.submit(s -> {
            PreparedStatement ps = s.get("UPDATE usage_rollup SET min_seq = NULL, max_seq = NULL"
                    + " WHERE bucket_s < ? AND max_seq <= ?");
            ps.setLong(1, cutoff.getEpochSecond());
            ps.setLong(2, bound);
            ps.executeUpdate();
        }));
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("archive interrupted", e);
        } catch (Exception e) {
            throw new StoreException("archive: the ledger writer failed: " + e.getMessage(), e);
        }
    }
}
