package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.Storage.Snapshot;
import io.tekton.penia.engine.store.StoreException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Consistent copies of a database file, taken while it is in use: SQLite's {@code VACUUM INTO}
 * reads one snapshot (a single read transaction, so the copy holds every commit before it and
 * none after, while the writer goes on committing into the WAL) and writes a compact file. The
 * copy is written under a temporary name beside the target and renamed when complete, so a
 * half-written copy never carries the target's name. Each copy is asked afterwards for its
 * schema version and ledger totals: those are the totals at the copy's instant.
 */
public final class Backup {
    private Backup() {
    }

    /** Copies the running database through one of its own pooled connections. */
    public static Snapshot write(Database db, Path target) {
        try (Connection c = db.connection()) {
            return vacuumInto(c, target);
        } catch (SQLException e) {
            throw new StoreException("backup to " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** Copies a database file no process has open (the caller holds its lock). */
    public static Snapshot copyFile(Path source, Path target) {
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("no database file at " + source);
        }
        // Read-write (never created): SQLite writes the copy through the source's connection.
        try (Connection c = open(source, false)) {
            return vacuumInto(c, target);
        } catch (SQLException e) {
            throw new StoreException("backup of " + source + " to " + target + " failed: " + e.getMessage(), e);
        }
    }

    private static Snapshot vacuumInto(Connection c, Path target) throws SQLException {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            throw new IllegalArgumentException("backup target " + abs + " already exists; name a new file");
        }
        Path partial = abs.resolveSibling("." + abs.getFileName() + "." + UUID.randomUUID() + ".partial");
        try {
            Files.createDirectories(abs.getParent());
            Files.deleteIfExists(partial);
            try (Statement st = c.createStatement()) {
                // The copy gets incremental auto-vacuum even when the source predates it (a restore
                // of the copy then has it on); for the source this only sets a pending value.
                st.execute("PRAGMA auto_vacuum = INCREMENTAL");
            }
            try (PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, partial.toString());
                ps.execute();
            }
            // A rename in one directory, refused when another backup took the name meanwhile.
            Files.move(partial, abs);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("backup target " + abs + " already exists; name a new file");
        } catch (IOException e) {
            throw new StoreException("backup to " + abs + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // nothing more to do about a leftover temporary file
            }
        }
        return inspect(abs);
    }

    /**
     * Opens a copy read-only and reports what it holds; throws {@link IllegalArgumentException}
     * when it is not an intact Penia database of a schema this binary knows.
     */
    public static Snapshot inspect(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no file at " + file);
        }
        try (Connection c = open(file, true); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                String ok = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equals(ok)) {
                    throw new IllegalArgumentException(file + " fails SQLite's integrity check: " + ok);
                }
            }
            int version;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            int known = Database.schemaVersion();
            if (version < 1 || version > known) {
                throw new IllegalArgumentException(file + " has schema version " + version
                        + "; this Penia knows versions 1 to " + known);
            }
            long[] t = new long[5];
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(cost_micros), 0), COALESCE(SUM(input_tokens), 0),"
                    + " COALESCE(SUM(output_tokens), 0), COALESCE(SUM(record_count), 0),"
                    + " (SELECT COUNT(*) FROM usage_records) FROM usage_rollup")) {
                rs.next();
                for (int i = 0; i < t.length; i++) {
                    t[i] = rs.getLong(i + 1);
                }
            }
            return new Snapshot(file.toAbsolutePath().normalize(), Files.size(file), version, t[0], t[1], t[2], t[3],
                    t[4]);
        } catch (SQLException e) {
            throw new IllegalArgumentException(file + " is not a Penia database: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A plain read-write connection to a file, created when missing (the monthly archive files). */
    static Connection openOrCreate(Path file) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setBusyTimeout(10_000);
        return cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    /** A plain connection (no pool, no migration) to a database file; never creates one. */
    static Connection open(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        if (readOnly) {
            cfg.setReadOnly(true);
        } else {
            cfg.resetOpenMode(SQLiteOpenMode.CREATE);
        }
        cfg.setBusyTimeout(10_000);
        return cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }
}
