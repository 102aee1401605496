package io.tekton.penia.engine.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.tekton.penia.engine.store.migrate.Migrations;
import io.tekton.penia.engine.store.migrate.PooledDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL database (issue 23): a HikariCP pool over a {@link PgUrl}, and the versioned schema
 * migrations applied at open by Flyway, as {@code engine/store/Database} does for a SQLite file.
 *
 * <p>The migrations are the {@code P<n>__<name>.sql} files in {@value #MIGRATIONS} on the class path, listed in its
 * {@code migrations.txt}; Flyway keeps its history, with checksums, in {@code flyway_schema_history}.
 * A database whose history has a version above the last one this code knows was migrated by a newer
 * Penia: {@link #open} refuses it with both versions named and changes nothing.
 *
 * <p>Several instances may start at once against one database. Flyway serialises them itself: on
 * PostgreSQL every migration runs under a PostgreSQL advisory lock ({@code pg_try_advisory_xact_lock},
 * or {@code pg_try_advisory_lock} when transactional locks are off, retried until granted; see
 * flyway-database-postgresql's {@code PostgreSQLAdvisoryLockTemplate}), and the history is read again
 * once the lock is held, so the first instance applies each migration and the others find it applied.
 * PgSchemaTest opens two at once on one empty database and checks that each version is in the history once.
 */
public final class PgDatabase extends PooledDatabase {
    private static final System.Logger LOG = System.getLogger(PgDatabase.class.getName());
    /** Where the PostgreSQL migrations are on the class path. */
    public static final String MIGRATIONS = "io/tekton/penia/engine/store/postgres/migration";
    /**
     * The PostgreSQL migrations are named {@code P<n>__<name>.sql}, not Flyway's default {@code V<n>__…}:
     * the SQLite side scans {@code classpath:io/tekton/penia/engine/store} for {@code V} files, and
     * Flyway's class path scan is recursive, so a {@code V1} here would be a second SQLite version 1
     * ("Found more than one migration with version 1"). The version in the history is the same number.
     */
    public static final String PREFIX = "P";
    /** Flyway's history table (its default name). */
    public static final String HISTORY = "flyway_schema_history";
    private static final Migrations LIST = new Migrations(PgDatabase.class, MIGRATIONS, "PostgreSQL ");

    private final PgUrl url;

    private PgDatabase(PgUrl url, HikariDataSource pool) {
        super(pool);
        this.url = url;
    }

    /**
     * Connects and migrates the database to the newest schema.
     *
     * @throws NewerSchemaException     when a newer Penia migrated it (nothing was changed)
     * @throws IllegalStateException    when PostgreSQL cannot be reached or the migration fails; the
     *                                  message names the URL with its password redacted
     */
    public static PgDatabase open(PgUrl url, int poolSize) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, got " + poolSize);
        }
        HikariConfig cfg = Migrations.poolConfig(url.jdbcUrl(), "penia-postgres", poolSize);
        cfg.setUsername(url.user());
        if (url.hasPassword()) {
            cfg.setPassword(url.password());
        }
        cfg.setValidationTimeout(2_000);
        // Bounds on a connection attempt and on a socket read that waits for a server gone silent,
        // unless the URL sets them: a PostgreSQL that is down must show as an error within seconds.
        putIfAbsent(cfg, url.params(), "connectTimeout", "5");
        putIfAbsent(cfg, url.params(), "ApplicationName", "penia");
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(cfg);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot connect to PostgreSQL at " + url + ": " + cause.getMessage(), e);
        }
        PgDatabase db = new PgDatabase(url, ds);
        try {
            db.migrate();
        } catch (NewerSchemaException e) {
            ds.close();
            throw e;
        } catch (IOException | RuntimeException e) { // FlywayException among them
            ds.close();
            throw new IllegalStateException("cannot migrate PostgreSQL database " + url + ": " + e.getMessage(), e);
        }
        return db;
    }

    private static void putIfAbsent(HikariConfig cfg, Map<String, String> params, String name, String value) {
        if (!params.containsKey(name)) {
            cfg.addDataSourceProperty(name, value);
        }
    }

    public DataSource dataSource() {
        return pool();
    }

    /** The URL this database was opened with; its {@code toString} hides the password. */
    public PgUrl url() {
        return url;
    }

    /** The schema version {@link #open} migrates every database to (the number of migrations). */
    public static int schemaVersion() {
        return LIST.schemaVersion();
    }

    private void migrate() throws IOException {
        List<String> names = LIST.list();
        int known = names.size();
        // Flyway's own connections, not the pool's: on PostgreSQL it holds two at once (one for the
        // history table and its lock, one to run the migration), more than a pool of one has.
        Flyway flyway = Flyway.configure(PgDatabase.class.getClassLoader())
                .dataSource(url.jdbcUrl(), url.user(), url.password())
                .locations("classpath:" + MIGRATIONS)
                .sqlMigrationPrefix(PREFIX)
                .failOnMissingLocations(true)
                .cleanDisabled(true)
                .load();
        // Read before anything is written: a database from a newer Penia stays as it was.
        MigrationInfoService info = flyway.info();
        String newer = Migrations.newer(info.current(), known);
        if (newer != null) {
            throw new NewerSchemaException(url, newer, known);
        }
        LIST.checkListed(names, info, script -> true);
        MigrateResult result = flyway.migrate();
        if (result.migrationsExecuted > 0) {
            LOG.log(System.Logger.Level.INFO, "PostgreSQL database " + url + " migrated to schema version "
                    + result.targetSchemaVersion + " (" + result.migrationsExecuted + " migrations applied by Flyway)");
        }
    }

    static String resource(String name) throws IOException {
        return LIST.resource(name);
    }

    /**
     * The database was migrated by a newer Penia: its schema is past the last migration this binary
     * knows. Opening it anyway would run old code on tables it does not understand, so start-up stops
     * and the database is left exactly as it was.
     */
    public static final class NewerSchemaException extends IllegalStateException {
        NewerSchemaException(PgUrl url, Object found, int known) {
            super("PostgreSQL database " + url + " has schema version " + found + ", but this Penia knows schema version "
                    + known + " at most: it was migrated by a newer Penia. Run that version (or a newer one) on it,"
                    + " or point PENIA_DB at another database; the database was not changed");
        }
    }
}
