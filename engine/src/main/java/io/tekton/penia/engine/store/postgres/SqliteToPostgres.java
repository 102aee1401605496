package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.Database;
import org.sqlite.SQLiteConfig;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Copies a SQLite ledger into an empty PostgreSQL database (issue 23, {@code bin/penia migrate-to-postgres}):
 * every table of the schema, row for row and column by name, in one PostgreSQL transaction that commits
 * only after the copy has been verified.
 *
 * <p>The SQLite file is opened read-only, in one read transaction (one snapshot); the caller makes sure no
 * Penia process owns it. The PostgreSQL database is migrated to the empty schema by {@link PgDatabase}; a
 * target that already holds a row in any table is refused before anything is written (no partial overwrite),
 * and its tables stay locked against other writers (and a second migration) until the copy commits.
 * Identity sequences are moved past the copied values, so the next ledger row, price version and audit
 * entry get new numbers.
 *
 * <p>Verified before the commit: the row count of every table on both sides; the ledger totals (records,
 * cost, tokens) of {@code usage_records} and the sums of {@code usage_rollup}; then every value, as a
 * fingerprint per table (the sum of a SHA-256 of each row's values, independent of order) computed from the
 * SQLite rows as read and from the PostgreSQL rows read back. Any difference rolls back and fails, naming the
 * table and both numbers.
 */
public final class SqliteToPostgres {
    /**
     * Every table of the schema (SQLite's V1..V6, PostgreSQL's P1); the copy refuses a file or database that
     * has any other (a newer schema this code does not know how to copy).
     */
    public static final List<String> TABLES = List.of("budgets", "usage_records", "usage_rollup", "reservations",
            "alerts", "breakers", "price_versions", "settings", "alert_deliveries", "api_keys", "audit_log");
    /** Schema bookkeeping, not data: Flyway's history, SQLite's own tables, the pre-Flyway version table. */
    private static final List<String> BOOKKEEPING = List.of("flyway_schema_history", "schema_version", "sqlite_sequence");
    /** Rows per JDBC batch (sent as multi-row INSERTs: reWriteBatchedInserts). */
    static final int BATCH_ROWS = 1_000;
    private static final int FETCH_ROWS = 5_000;
    private static final String LOCK_TIMEOUT = "10s";

    /** Sums of a ledger table: its rows (or records, for the rollups), cost in micro-dollars, tokens. */
    public record Totals(long count, long costMicros, long inputTokens, long outputTokens) {
        /** The cost in dollars, exact. */
        public BigDecimal cost() {
            return BigDecimal.valueOf(costMicros).movePointLeft(6);
        }

        @Override
        public String toString() {
            return "count " + count + ", cost_micros " + costMicros + ", input_tokens " + inputTokens
                    + ", output_tokens " + outputTokens;
        }
    }

    /**
     * What was copied: rows per table (in {@link #TABLES} order), the ledger and rollup totals (equal on both
     * sides), how long the copy took and how long the whole run took.
     */
    public record Result(Map<String, Long> rows, Totals ledger, Totals rollups, long copyMillis, long totalMillis) {
        public long totalRows() {
            return rows.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Rows copied per second of the copy itself (reading, writing, verifying), 0 when nothing was copied. */
        public long rowsPerSecond() {
            return copyMillis == 0 ? 0 : totalRows() * 1000 / copyMillis;
        }
    }

    /** The copy was refused before anything was written (the target holds data, the schemas differ). */
    public static final class RefusedException extends IllegalStateException {
        RefusedException(String message) {
            super(message);
        }
    }

    /** The copy did not verify: the transaction was rolled back, the target is as it was. */
    public static final class VerificationException extends IllegalStateException {
        VerificationException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final PgUrl target;
    private final Consumer<String> progress;

    private SqliteToPostgres(Path file, PgUrl target, Consumer<String> progress) {
        this.file = file;
        this.target = target;
        this.progress = progress;
    }

    /**
     * Copies the SQLite file into the PostgreSQL database and verifies it.
     *
     * @param progress one line per table copied (for a terminal); may be a no-op
     * @throws RefusedException      the target already holds data, or a schema is not the one this code knows
     * @throws VerificationException the copy differs from the source (rolled back)
     * @throws IllegalStateException a database could not be opened or read, or a write failed (rolled back)
     */
    public static Result copy(Path sqliteFile, PgUrl target, Consumer<String> progress) {
        return new SqliteToPostgres(sqliteFile.toAbsolutePath().normalize(), target, progress).run();
    }

    private Result run() {
        long t0 = System.nanoTime();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no SQLite database at " + file);
        }
        try (Connection src = openSqlite()) {
            src.setAutoCommit(false); // one read transaction: one snapshot of the whole file
            checkSqliteSchema(src);
            try (PgDatabase pg = PgDatabase.open(target, 1); Connection dst = openPostgres()) {
                dst.setAutoCommit(false);
                try {
                    Result r = copyAll(src, dst, t0);
                    dst.commit();
                    return new Result(r.rows(), r.ledger(), r.rollups(), r.copyMillis(), (System.nanoTime() - t0) / 1_000_000);
                } catch (SQLException | RuntimeException e) {
                    try {
                        dst.rollback();
                    } catch (SQLException r) {
                        e.addSuppressed(r); // the connection is gone: PostgreSQL drops the transaction itself
                    }
                    throw e;
                }
            } finally {
                src.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("copy from " + file + " to " + target + " failed, nothing was written: "
                    + e.getMessage(), e);
        }
    }

    private Connection openSqlite() throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(10_000);
        try {
            return DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open " + file + " read-only: " + e.getMessage(), e);
        }
    }

    /** A connection of its own for the copy: batched inserts are rewritten into multi-row INSERTs. */
    private Connection openPostgres() throws SQLException {
        Properties props = target.properties();
        props.putAll(target.params());
        props.setProperty("reWriteBatchedInserts", "true");
        props.putIfAbsent("connectTimeout", "5");
        props.putIfAbsent("ApplicationName", "penia migrate-to-postgres");
        return DriverManager.getConnection(target.jdbcUrl(), props);
    }

    private Result copyAll(Connection src, Connection dst, long t0) throws SQLException {
        lockAndCheckEmpty(dst);
        Map<String, List<Column>> columns = new LinkedHashMap<>();
        for (String table : TABLES) {
            columns.put(table, columnsOf(src, dst, table));
        }
        long c0 = System.nanoTime();
        Map<String, Long> rows = new LinkedHashMap<>();
        Map<String, Long> fingerprints = new LinkedHashMap<>();
        for (String table : TABLES) {
            long s = System.nanoTime();
            long[] copied = copyTable(src, dst, table, columns.get(table));
            rows.put(table, copied[0]);
            fingerprints.put(table, copied[1]);
            progress.accept(String.format("  %-17s %,12d rows  %7.2f s", table, copied[0], (System.nanoTime() - s) / 1e9));
        }
        moveSequences(src, dst);
        // From the coarsest check to the finest, so that a failure names the plainest difference.
        for (String table : TABLES) {
            verifyCount(src, dst, table, rows.get(table));
        }
        String ledgerSql = "SELECT COUNT(*), COALESCE(SUM(cost_micros), 0), COALESCE(SUM(input_tokens), 0),"
                + " COALESCE(SUM(output_tokens), 0) FROM usage_records";
        Totals ledger = verifyTotals("usage_records", ledgerSql, src, dst);
        String rollupSql = "SELECT COALESCE(SUM(record_count), 0), COALESCE(SUM(cost_micros), 0),"
                + " COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0) FROM usage_rollup";
        Totals rollups = verifyTotals("usage_rollup", rollupSql, src, dst);
        for (String table : TABLES) {
            verifyRows(dst, table, columns.get(table), rows.get(table), fingerprints.get(table));
        }
        return new Result(rows, ledger, rollups, (System.nanoTime() - c0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
    }

    // ---- checks before anything is written ---------------------------------------------------------

    /** The file is at this code's schema version and has exactly the tables it knows. */
    private void checkSqliteSchema(Connection src) throws SQLException {
        TreeSet<String> tables = new TreeSet<>();
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        int known = Database.schemaVersion();
        int version = -1;
        if (tables.contains("flyway_schema_history")) {
            try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL")) {
                version = rs.next() ? rs.getInt(1) : -1;
            }
        }
        if (version != known) {
            throw new RefusedException(file + " has schema version " + (version < 0 ? "unknown (no Flyway history)" : version)
                    + ", this Penia copies schema version " + known + " only: "
                    + (version > known ? "it was written by a newer Penia; use that version to migrate it"
                    : "start this Penia on it once (bin/penia serve migrates it), stop it, then run the migration again"));
        }
        TreeSet<String> data = new TreeSet<>(tables);
        data.removeAll(BOOKKEEPING);
        if (!data.equals(new TreeSet<>(TABLES))) {
            throw new RefusedException(file + " has the tables " + data + ", expected " + new TreeSet<>(TABLES));
        }
    }

    /**
     * Locks every table against other writers until the commit (a second migration waits here, then finds
     * the rows of the first), then refuses a target that holds any row, naming the tables and their counts.
     */
    private void lockAndCheckEmpty(Connection dst) throws SQLException {
        try (Statement s = dst.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            s.execute("LOCK TABLE " + String.join(", ", TABLES) + " IN SHARE ROW EXCLUSIVE MODE");
        } catch (SQLException e) {
            throw new RefusedException("cannot lock the tables of " + target + " within " + LOCK_TIMEOUT
                    + " (is a Penia or another migration using it?): " + e.getMessage());
        }
        Map<String, Long> held = new LinkedHashMap<>();
        for (String table : TABLES) {
            long n = count(dst, table);
            if (n > 0) {
                held.put(table, n);
            }
        }
        if (!held.isEmpty()) {
            throw new RefusedException("the target " + target + " already holds data " + held
                    + "; migrate into an empty database (CREATE DATABASE …); nothing was written");
        }
    }

    /** A column: its name, and whether PostgreSQL stores it as BIGINT (else TEXT). */
    private record Column(String name, boolean bigint) {
    }

    /** The table's columns in PostgreSQL's order; SQLite must have the same names. */
    private List<Column> columnsOf(Connection src, Connection dst, String table) throws SQLException {
        List<Column> cols = new ArrayList<>();
        try (PreparedStatement ps = dst.prepareStatement("SELECT column_name, data_type FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    if (!type.equals("bigint") && !type.equals("text")) {
                        throw new RefusedException("column " + table + "." + rs.getString(1) + " on " + target
                                + " has type " + type + "; this copy knows bigint and text");
                    }
                    cols.add(new Column(rs.getString(1), type.equals("bigint")));
                }
            }
        }
        TreeSet<String> sqlite = new TreeSet<>();
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                sqlite.add(rs.getString("name"));
            }
        }
        TreeSet<String> pg = new TreeSet<>();
        cols.forEach(c -> pg.add(c.name()));
        if (!sqlite.equals(pg)) {
            throw new RefusedException("table " + table + " has the columns " + sqlite + " in " + file + " but " + pg
                    + " on " + target);
        }
        return cols;
    }

    // ---- the copy --------------------------------------------------------------------------------------

    /** Copies one table in batches; returns {rows, fingerprint of the SQLite rows}. */
    private long[] copyTable(Connection src, Connection dst, String table, List<Column> cols) throws SQLException {
        String names = String.join(", ", cols.stream().map(Column::name).toList());
        String marks = String.join(", ", cols.stream().map(c -> "?").toList());
        Fingerprint fp = new Fingerprint();
        long rows = 0;
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT " + names + " FROM " + table);
             PreparedStatement ins = dst.prepareStatement("INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")")) {
            Object[] values = new Object[cols.size()];
            while (rs.next()) {
                rows++;
                for (int i = 0; i < values.length; i++) {
                    values[i] = value(rs, i + 1, cols.get(i), table, rows);
                    bind(ins, i + 1, cols.get(i), values[i]);
                }
                fp.add(values);
                ins.addBatch();
                if (rows % BATCH_ROWS == 0) {
                    ins.executeBatch();
                }
            }
            if (rows % BATCH_ROWS != 0) {
                ins.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("copying table " + table + " failed after " + rows
                    + " rows (rolled back, nothing was written): " + rootMessage(e), e);
        }
        return new long[]{rows, fp.sum()};
    }

    /** A column's value as a Long, a String or null; anything else in the source is refused. */
    private static Object value(ResultSet rs, int i, Column col, String table, long row) throws SQLException {
        Object v = rs.getObject(i);
        if (v == null) {
            return null;
        }
        if (col.bigint() && (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)) {
            return ((Number) v).longValue();
        }
        if (!col.bigint() && v instanceof String) {
            return v;
        }
        throw new VerificationException("table " + table + ", row " + row + ": column " + col.name() + " holds a "
                + v.getClass().getSimpleName() + " (" + v + "), where PostgreSQL stores " + (col.bigint() ? "a bigint" : "text")
                + "; nothing was written");
    }

    private static void bind(PreparedStatement ps, int i, Column col, Object v) throws SQLException {
        if (col.bigint()) {
            if (v == null) {
                ps.setNull(i, Types.BIGINT);
            } else {
                ps.setLong(i, (Long) v);
            }
        } else if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, (String) v);
        }
    }

    /**
     * Moves every identity sequence past the copied values: past the column's maximum and, for SQLite's
     * AUTOINCREMENT tables, past the highest number SQLite ever handed out (sqlite_sequence), so no number
     * is used twice.
     */
    private void moveSequences(Connection src, Connection dst) throws SQLException {
        List<String[]> identities = new ArrayList<>();
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name, column_name"
                + " FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")) {
            while (rs.next()) {
                identities.add(new String[]{rs.getString(1), rs.getString(2)});
            }
        }
        for (String[] id : identities) {
            long max = maxOf(src, "SELECT COALESCE(MAX(" + id[1] + "), 0) FROM " + id[0]);
            try (PreparedStatement ps = src.prepareStatement("SELECT seq FROM sqlite_sequence WHERE name = ?")) {
                ps.setString(1, id[0]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        max = Math.max(max, rs.getLong(1));
                    }
                }
            } catch (SQLException e) {
                // no sqlite_sequence: no AUTOINCREMENT table was ever written; the maximum is the mark
            }
            try (PreparedStatement ps = dst.prepareStatement("SELECT setval(pg_get_serial_sequence(?, ?), ?, false)")) {
                ps.setString(1, id[0]);
                ps.setString(2, id[1]);
                ps.setLong(3, max + 1);
                ps.executeQuery().close();
            }
        }
    }

    // ---- verification ----------------------------------------------------------------------------------

    private void verifyCount(Connection src, Connection dst, String table, long copied) throws SQLException {
        long sqliteRows = count(src, table);
        long pgRows = count(dst, table);
        if (sqliteRows != pgRows || copied != pgRows) {
            throw new VerificationException("table " + table + ": " + sqliteRows + " rows in SQLite, " + pgRows
                    + " on PostgreSQL after the copy (" + copied + " copied); rolled back, nothing was written");
        }
    }

    private void verifyRows(Connection dst, String table, List<Column> cols, long pgRows, long fingerprint)
            throws SQLException {
        String names = String.join(", ", cols.stream().map(Column::name).toList());
        Fingerprint fp = new Fingerprint();
        try (Statement s = dst.createStatement()) {
            s.setFetchSize(FETCH_ROWS);
            try (ResultSet rs = s.executeQuery("SELECT " + names + " FROM " + table)) {
                Object[] values = new Object[cols.size()];
                long row = 0;
                while (rs.next()) {
                    row++;
                    for (int i = 0; i < values.length; i++) {
                        values[i] = value(rs, i + 1, cols.get(i), table, row);
                    }
                    fp.add(values);
                }
            }
        }
        if (fp.sum() != fingerprint) {
            throw new VerificationException("table " + table + ": the rows read back from PostgreSQL differ from SQLite's"
                    + " (fingerprint " + Long.toHexString(fingerprint) + " in SQLite, " + Long.toHexString(fp.sum())
                    + " on PostgreSQL, " + pgRows + " rows each); rolled back, nothing was written");
        }
    }

    private Totals verifyTotals(String table, String sql, Connection src, Connection dst) throws SQLException {
        Totals a = totals(src, sql);
        Totals b = totals(dst, sql);
        if (!a.equals(b)) {
            throw new VerificationException("table " + table + ": the totals differ, SQLite (" + a + ") vs PostgreSQL ("
                    + b + "); rolled back, nothing was written");
        }
        return a;
    }

    private static Totals totals(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        return maxOf(c, "SELECT COUNT(*) FROM " + table);
    }

    private static long maxOf(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String rootMessage(SQLException e) {
        SQLException next = e.getNextException();
        return next != null && next.getMessage() != null ? e.getMessage() + " (" + next.getMessage() + ")" : e.getMessage();
    }

    /**
     * An order-independent fingerprint of a table: the sum (modulo 2^64) of the first 8 bytes of a SHA-256 of
     * each row's values, each encoded with a type tag and, for text, its length.
     */
    private static final class Fingerprint {
        private final MessageDigest sha;
        private long sum;

        Fingerprint() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }

        void add(Object[] values) {
            ByteBuffer eight = ByteBuffer.allocate(Long.BYTES);
            for (Object v : values) {
                if (v == null) {
                    sha.update((byte) 0);
                } else if (v instanceof Long l) {
                    sha.update((byte) 1);
                    sha.update(eight.clear().putLong(l).array());
                } else {
                    byte[] text = ((String) v).getBytes(StandardCharsets.UTF_8);
                    sha.update((byte) 2);
                    sha.update(eight.clear().putLong(text.length).array());
                    sha.update(text);
                }
            }
            sum += ByteBuffer.wrap(sha.digest()).getLong();
        }

        long sum() {
            return sum;
        }
    }
}
