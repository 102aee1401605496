package io.tekton.penia.engine.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQLite file: a HikariCP pool of WAL-mode connections, and the versioned schema
 * migrations applied at open. Durability: {@code synchronous=FULL}, so a commit that
 * returned is on disk.
 */
public final class Database implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());
    private static final String MIGRATIONS = "/io/tekton/penia/engine/store/";

    private final HikariDataSource pool;
    private final Path file;

    private Database(Path file, HikariDataSource pool) {
        this.file = file;
        this.pool = pool;
    }

    /** Opens (creating if needed) the database file and migrates it to the newest schema. */
    public static Database open(Path file, int poolSize) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create directory for database " + file + ": " + e.getMessage(), e);
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
        cfg.setPoolName("penia-sqlite");
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(1);
        cfg.setConnectionTimeout(5_000);
        cfg.addDataSourceProperty("journal_mode", "WAL");
        cfg.addDataSourceProperty("synchronous", "FULL");
        cfg.addDataSourceProperty("busy_timeout", "10000");
        cfg.addDataSourceProperty("foreign_keys", "true");
        cfg.addDataSourceProperty("cache_size", "-32768");
        cfg.addDataSourceProperty("temp_store", "MEMORY");
        // Nothing reads generated keys (price versions ask last_insert_rowid() themselves). Left
        // on, the driver runs a regex and a separate "SELECT last_insert_rowid()" statement after
        // every INSERT: two thirds of the writer's JDBC time in a JFR profile of record.
        cfg.addDataSourceProperty("jdbc.get_generated_keys", "false");
        HikariDataSource ds = new HikariDataSource(cfg);
        Database db = new Database(file, ds);
        try {
            db.migrate();
        } catch (SQLException | IOException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate database " + file + ": " + e.getMessage(), e);
        } catch (NewerSchemaException e) {
            ds.close();
            throw e;
        }
        return db;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    public Path file() {
        return file;
    }

    /** True when a trivial query answers. */
    public boolean isUsable() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /** The schema version {@link #open} migrates every database to (the number of migrations). */
    public static int schemaVersion() {
        try {
            return migrations().size();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the migration list: " + e.getMessage(), e);
        }
    }

    private static List<String> migrations() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : resource("migrations.txt").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }

    private void migrate() throws SQLException, IOException {
        List<String> names = migrations();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            incrementalVacuumIfNew(st);
            st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
            int current = 0;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                if (rs.next()) {
                    current = rs.getInt(1);
                }
            }
            if (current > names.size()) {
                throw new NewerSchemaException(file, current, names.size());
            }
            for (int i = current; i < names.size(); i++) {
                String name = names.get(i);
                c.setAutoCommit(false);
                try {
                    for (String sql : statements(resource(name))) {
                        st.execute(sql);
                    }
                    try (var ps = c.prepareStatement("INSERT INTO schema_version VALUES (?, ?, ?)")) {
                        ps.setInt(1, i + 1);
                        ps.setString(2, name);
                        ps.setLong(3, System.currentTimeMillis());
                        ps.executeUpdate();
                    }
                    c.commit();
                    LOG.log(System.Logger.Level.INFO, "applied migration " + name);
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    /**
     * A new file gets {@code auto_vacuum=INCREMENTAL}, so that pages freed by retention can be
     * given back to the file system ({@link Vacuum}). SQLite fixes the mode when the first table
     * is created, and WAL mode has already written the header by then: the mode is set and the
     * empty file vacuumed (instant) before the first migration. An older file keeps its mode
     * until a full VACUUM; a restored backup has it on (see {@link Backup}).
     */
    private static void incrementalVacuumIfNew(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_master")) {
            if (!rs.next() || rs.getLong(1) != 0) {
                return;
            }
        }
        st.execute("PRAGMA auto_vacuum = INCREMENTAL");
        st.execute("VACUUM");
    }

    /**
     * The file was written by a newer Penia: its schema is past the last migration this binary
     * knows. Opening it anyway would run old code on tables it does not understand, so start-up
     * stops and the file is left exactly as it was.
     */
    public static final class NewerSchemaException extends IllegalStateException {
        NewerSchemaException(Path file, int found, int known) {
            super("database " + file + " has schema version " + found + ", but this Penia knows schema version "
                    + known + " at most: it was written by a newer Penia. Run that version (or a newer one) on it,"
                    + " or point PENIA_DB at another file; the file was not changed");
        }
    }

    static List<String> statements(String script) {
        StringBuilder clean = new StringBuilder();
        for (String line : script.split("\n")) {
            int dash = line.indexOf("--");
            clean.append(dash >= 0 ? line.substring(0, dash) : line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String s : clean.toString().split(";")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = Database.class.getResourceAsStream(MIGRATIONS + name)) {
            if (in == null) {
                throw new IOException("missing migration resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
