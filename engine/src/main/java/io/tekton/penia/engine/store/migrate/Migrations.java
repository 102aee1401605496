package io.tekton.penia.engine.store.migrate;

import com.zaxxer.hikari.HikariConfig;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the SQLite and the PostgreSQL database have in common at open: the pool settings both use,
 * the migration list ({@code migrations.txt}) beside the migrations, the check that Flyway finds
 * exactly those scripts, and the version a newer Penia left in the history. Internal to the engine.
 */
public final class Migrations {
    private final Class<?> anchor;
    private final String dir;
    private final String kind;

    /**
     * @param anchor a class of the engine module, to read the resources with
     * @param dir  the migrations' folder on the class path, without leading or trailing slash
     * @param kind how messages name these migrations ("" or e.g. "PostgreSQL ")
     */
    public Migrations(Class<?> anchor, String dir, String kind) {
        this.anchor = anchor;
        this.dir = dir;
        this.kind = kind;
    }

    /** A pool config with the settings both backends share. */
    public static HikariConfig poolConfig(String jdbcUrl, String poolName, int poolSize) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setPoolName(poolName);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(1);
        cfg.setConnectionTimeout(5_000);
        return cfg;
    }

    /** True when a trivial query answers. */
    public static boolean isUsable(DataSource pool) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /** The script names of {@code migrations.txt}, in order. */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : resource("migrations.txt").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }

    /** The number of migrations: the schema version every database is migrated to. */
    public int schemaVersion() {
        try {
            return list().size();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the " + kind + "migration list: " + e.getMessage(), e);
        }
    }

    /** The version above {@code known} a newer Penia applied ({@code current}), or null when there is none. */
    public static String newer(MigrationInfo current, int known) {
        if (current != null && current.getVersion() != null
                && current.getVersion().compareTo(MigrationVersion.fromVersion(Integer.toString(known))) > 0) {
            return current.getVersion().getVersion();
        }
        return null;
    }

    /** The migrations Flyway finds on the class path are exactly those of migrations.txt, in its order. */
    public void checkListed(List<String> names, MigrationInfoService info, Predicate<String> script) {
        List<String> found = Arrays.stream(info.all())
                .filter(m -> m.getState().isResolved() && m.getVersion() != null && m.getScript() != null
                        && script.test(m.getScript()))
                .map(MigrationInfo::getScript)
                .distinct()
                .toList();
        if (!found.equals(names)) {
            throw new IllegalStateException("the " + kind + "schema migrations on the class path " + found
                    + " are not those listed in migrations.txt " + names);
        }
    }

    /** A file from the migrations' folder. */
    public String resource(String name) throws IOException {
        try (InputStream in = anchor.getResourceAsStream("/" + dir + "/" + name)) {
            if (in == null) {
                throw new IOException("missing " + kind + "migration resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
