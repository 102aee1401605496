package io.tekton.penia.engine.store.sqlite;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tekton.penia.engine.store.NewerSchemaException;
import io.tekton.penia.engine.store.migrate.Migrations;
import io.tekton.penia.engine.store.migrate.PooledDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQLite file: a HikariCP pool of WAL-mode connections, and the versioned schema
 * migrations applied at open by Flyway. Durability: {@code synchronous=FULL}, so a commit that
 * returned is on disk.
 *
 * <p>The migrations are the {@code V<n>__<name>.sql} files beside this class, listed in
 * {@code migrations.txt}; Flyway applies them and keeps its history, with checksums, in
 * {@code flyway_schema_history}. Files made by Penia before Flyway carry only the table
 * {@code schema_version} (one row per applied migration): Flyway takes such a file over at its
 * recorded version (a baseline) and applies the rest. {@code schema_version} is still written,
 * one row per migration, so an older Penia refuses a file that is newer than it knows.
 */
public final class Database extends PooledDatabase implements SqlConnections {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());
    private static final String MIGRATIONS = "/io/tekton/penia/engine/store/sqlite/";
    private static final Migrations LIST = new Migrations(Database.class, "io/tekton/penia/engine/store/sqlite", "");
    /** Flyway's history table (its default name). */
    static final String HISTORY = "flyway_schema_history";

    private final Path file;

    private Database(Path file, HikariDataSource pool) {
        super(pool);
        this.file = file;
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
        HikariConfig cfg = Migrations.poolConfig("jdbc:sqlite:" + file.toAbsolutePath(), "penia-sqlite", poolSize);
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
        } catch (NewerSchemaException e) {
            ds.close();
            throw e;
        } catch (SQLException | IOException | FlywayException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate database " + file + ": " + e.getMessage(), e);
        }
        return db;
    }

    public Path file() {
        return file;
    }

    /** The schema version {@link #open} migrates every database to (the number of migrations). */
    public static int schemaVersion() {
        return LIST.schemaVersion();
    }

    private void migrate() throws SQLException, IOException {
        List<String> names = LIST.list();
        int known = names.size();
        // Nothing is written before both refusals below: a file from a newer Penia stays as it was.
        int legacy = legacyVersion();
        if (legacy > known) {
            throw new NewerSchemaException(file.toString(), legacy, known);
        }
        Flyway flyway = Flyway.configure(Database.class.getClassLoader())
                .dataSource(pool())
                .locations("classpath:" + MIGRATIONS.substring(1, MIGRATIONS.length() - 1))
                .failOnMissingLocations(true)
                .baselineVersion(Integer.toString(Math.max(legacy, 0)))
                .baselineDescription("schema_version " + Math.max(legacy, 0) + " (before Flyway)")
                .load();
        MigrationInfoService info = flyway.info();
        String newer = Migrations.newer(info.current(), known);
        if (newer != null) {
            throw new NewerSchemaException(file.toString(), newer, known);
        }
        LIST.checkListed(names, info, script -> script.matches("V\\d+__.*\\.sql"));
        if (legacy >= 0 && !tableExists(HISTORY)) {
            flyway.baseline();
            LOG.log(System.Logger.Level.INFO, "database " + file + " (schema version " + legacy
                    + ", made before Flyway) is now tracked by Flyway from that version");
        }
        try (Connection c = connection(); Statement st = c.createStatement()) {
            incrementalVacuumIfNew(st); // before the first table: SQLite fixes the mode then
        }
        MigrateResult result = flyway.migrate();
        recordVersions(flyway.info());
        if (result.migrationsExecuted > 0) {
            LOG.log(System.Logger.Level.INFO, "database " + file + " migrated to schema version " + result.targetSchemaVersion
                    + " (" + result.migrationsExecuted + " migrations applied by Flyway)");
        }
    }

    /** The highest version in {@code schema_version}; 0 for an empty table, -1 without one. */
    private int legacyVersion() throws SQLException {
        if (!tableExists("schema_version")) {
            return -1;
        }
        try (Connection c = connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private boolean tableExists(String name) throws SQLException {
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** One schema_version row for each migration Flyway applied (an older Penia reads that table). */
    private void recordVersions(MigrationInfoService info) throws SQLException {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
            try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO schema_version VALUES (?, ?, ?)")) {
                for (MigrationInfo m : info.applied()) {
                    if (m.getState() == MigrationState.SUCCESS && m.getVersion() != null) {
                        ps.setInt(1, Integer.parseInt(m.getVersion().getVersion()));
                        ps.setString(2, m.getScript());
                        ps.setLong(3, System.currentTimeMillis());
                        ps.executeUpdate();
                    }
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

    static String resource(String name) throws IOException {
        return LIST.resource(name);
    }
}
