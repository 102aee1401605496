package io.tekton.penia.it.postgres;

import io.tekton.penia.engine.store.sqlite.Database;
import io.tekton.penia.engine.store.postgres.PgDatabase;
import io.tekton.penia.engine.store.postgres.PgUrl;
import io.tekton.penia.it.support.PgCluster;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PostgreSQL schema (issue 23): a fresh database migrates; every table has the same columns (names,
 * order, types, NOT NULL, defaults), keys and indexes as the SQLite schema after its migrations; several
 * instances opening one empty database at once migrate it once; a database migrated by a newer Penia is
 * refused with both versions named and is left as it was.
 */
class PgSchemaTest {
    /**
     * Bookkeeping, not Penia's data: Flyway's history (on both), SQLite's own tables and its legacy version table;
     * and PostgreSQL's cluster_leader (several instances: who leads; a SQLite Penia runs alone).
     */
    private static final List<String> NOT_COMPARED = List.of("flyway_schema_history", "schema_version", "sqlite_sequence",
            "cluster_leader");

    private static PgCluster pg;

    @BeforeAll
    static void cluster() {
        pg = PgCluster.shared();
    }

    @Test
    void freshDatabase_migrates_andEveryTableMatchesTheSqliteSchema(@TempDir Path dir) throws SQLException {
        String db = pg.createDatabase();
        Map<String, List<String>> postgres;
        try (PgDatabase pgDb = PgDatabase.open(PgUrl.parse(pg.url(db), null), 2)) {
            assertThat(pgDb.isUsable()).isTrue();
            try (Connection c = pgDb.connection()) {
                postgres = postgresSchema(c);
            }
        }
        Map<String, List<String>> sqlite;
        try (Database sqliteDb = Database.open(dir.resolve("schema.db"), 1); Connection c = sqliteDb.connection()) {
            sqlite = sqliteSchema(c);
        }

        assertThat(sqlite).as("the SQLite schema was read").containsKeys("usage_records", "budgets", "audit_log");
        // Every difference at once: a missing table, a missing or different column, key or index.
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(postgres.keySet()).as("tables on PostgreSQL vs SQLite").isEqualTo(sqlite.keySet());
        for (String table : sqlite.keySet()) {
            soft.assertThat(postgres.get(table)).as("table " + table + " on PostgreSQL vs SQLite").isEqualTo(sqlite.get(table));
        }
        soft.assertAll();
    }

    @Test
    void instancesStartingAtOnce_onOneEmptyDatabase_allSucceed_andEachVersionIsAppliedOnce() throws Exception {
        int instances = 3;
        for (int round = 0; round < 2; round++) {
            String db = pg.createDatabase();
            PgUrl url = PgUrl.parse(pg.url(db), null);
            CyclicBarrier gate = new CyclicBarrier(instances);
            ExecutorService pool = Executors.newFixedThreadPool(instances);
            try {
                List<Future<PgDatabase>> opened = new ArrayList<>();
                for (int i = 0; i < instances; i++) {
                    Callable<PgDatabase> open = () -> {
                        gate.await(30, TimeUnit.SECONDS);
                        return PgDatabase.open(url, 2);
                    };
                    opened.add(pool.submit(open));
                }
                for (Future<PgDatabase> f : opened) {
                    try (PgDatabase d = f.get(90, TimeUnit.SECONDS)) {
                        assertThat(d.isUsable()).isTrue();
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            try (Connection c = pg.connect(db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT version, COUNT(*), BOOL_AND(success) FROM " + PgDatabase.HISTORY
                         + " WHERE version IS NOT NULL GROUP BY version ORDER BY version")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1) + " x" + rs.getLong(2) + (rs.getBoolean(3) ? " ok" : " FAILED"));
                }
                List<String> expected = new ArrayList<>();
                for (int v = 1; v <= PgDatabase.schemaVersion(); v++) {
                    expected.add(v + " x1 ok");
                }
                assertThat(rows).as("round " + round + ": schema history").isEqualTo(expected);
            }
        }
    }

    @Test
    void databaseFromNewerPenia_isRefused_namingBothVersions_andIsLeftUntouched() throws SQLException {
        int current = PgDatabase.schemaVersion();
        int newer = current + 1;
        String db = pg.createDatabase();
        PgUrl url = PgUrl.parse(pg.url(db), null);
        PgDatabase.open(url, 1).close();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + PgDatabase.HISTORY + " (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) SELECT MAX(installed_rank) + 1, '" + newer
                    + "', 'from a newer penia', 'SQL', 'V" + newer + "__from_a_newer_penia.sql', 0, 'test', 0, true FROM "
                    + PgDatabase.HISTORY);
            s.executeUpdate("INSERT INTO settings VALUES ('probe', 'kept')");
        }

        assertThatThrownBy(() -> PgDatabase.open(url, 1))
                .isInstanceOf(PgDatabase.NewerSchemaException.class)
                .hasMessageContaining("schema version " + newer)
                .hasMessageContaining("schema version " + current)
                .hasMessageContaining(db);

        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + PgDatabase.HISTORY + " WHERE version IS NOT NULL")) {
                rs.next();
                assertThat(rs.getLong(1)).as("no history row added or removed").isEqualTo(current + 1L);
            }
            try (ResultSet rs = s.executeQuery("SELECT value FROM settings WHERE key = 'probe'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("kept");
            }
            s.executeUpdate("DELETE FROM " + PgDatabase.HISTORY + " WHERE version = '" + newer + "'");
        }
        // Back at this binary's version, the same database opens with its data.
        try (PgDatabase d = PgDatabase.open(url, 1); Connection c = d.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM settings WHERE key = 'probe'")) {
            assertThat(rs.next()).isTrue();
        }
    }

    // ---- the two schemas, in one comparable form ---------------------------------------------------

    /** Per table: its columns in order ("name type [NOT NULL] [DEFAULT x]"), then its keys and indexes, sorted. */
    private static Map<String, List<String>> sqliteSchema(Connection c) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        for (String table : names) {
            if (NOT_COMPARED.contains(table)) {
                continue;
            }
            List<String> columns = new ArrayList<>();
            TreeMap<Integer, String> pk = new TreeMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
                while (rs.next()) {
                    String name = rs.getString("name");
                    int pkPos = rs.getInt("pk");
                    if (pkPos > 0) {
                        pk.put(pkPos, name);
                    }
                    // A primary key column is NOT NULL on PostgreSQL; SQLite says so only when written out.
                    boolean notNull = rs.getInt("notnull") == 1 || pkPos > 0;
                    columns.add(column(name, sqliteType(rs.getString("type")), notNull, rs.getString("dflt_value")));
                }
            }
            TreeSet<String> keys = new TreeSet<>();
            keys.add("PRIMARY KEY (" + String.join(",", pk.values()) + ")");
            List<String[]> indexes = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA index_list(" + table + ")")) {
                while (rs.next()) {
                    indexes.add(new String[]{rs.getString("name"), rs.getString("unique"), rs.getString("origin"),
                            rs.getString("partial")});
                }
            }
            for (String[] ix : indexes) {
                List<String> cols = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA index_info(" + ix[0] + ")")) {
                    while (rs.next()) {
                        cols.add(rs.getString("name"));
                    }
                }
                if ("pk".equals(ix[2])) {
                    continue; // the primary key, already listed
                }
                keys.add(key("1".equals(ix[1]), "1".equals(ix[3]), ix[0], cols));
            }
            List<String> all = new ArrayList<>(columns);
            all.addAll(keys);
            tables.put(table, all);
        }
        return tables;
    }

    private static Map<String, List<String>> postgresSchema(Connection c) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        DatabaseMetaData meta = c.getMetaData();
        List<String> names = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, "public", "%", new String[]{"TABLE"})) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME"));
            }
        }
        for (String table : names) {
            if (NOT_COMPARED.contains(table)) {
                continue;
            }
            List<String> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT column_name, data_type, is_nullable, column_default"
                    + " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String dflt = rs.getString(4);
                        columns.add(column(rs.getString(1), rs.getString(2), "NO".equals(rs.getString(3)),
                                dflt == null ? null : dflt.replaceAll("::[a-z ]+$", "")));
                    }
                }
            }
            TreeSet<String> keys = new TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT ic.relname, ix.indisprimary, ix.indisunique,"
                    + " ix.indpred IS NOT NULL, (SELECT string_agg(a.attname, ',' ORDER BY k.ord)"
                    + "   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
                    + "   JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum)"
                    + " FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid"
                    + " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND t.relname = ?")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<String> cols = List.of(rs.getString(5).split(","));
                        if (rs.getBoolean(2)) {
                            keys.add("PRIMARY KEY (" + String.join(",", cols) + ")");
                        } else {
                            keys.add(key(rs.getBoolean(3), rs.getBoolean(4), rs.getString(1), cols));
                        }
                    }
                }
            }
            List<String> all = new ArrayList<>(columns);
            all.addAll(keys);
            tables.put(table, all);
        }
        return tables;
    }

    private static String column(String name, String type, boolean notNull, String dflt) {
        return name + " " + type + (notNull ? " NOT NULL" : "") + (dflt == null ? "" : " DEFAULT " + dflt);
    }

    /** A unique key by its columns (its name is the engine's choice), an index by its name and columns. */
    private static String key(boolean unique, boolean partial, String name, List<String> cols) {
        return unique ? "UNIQUE (" + String.join(",", cols) + ")" + (partial ? " partial" : "")
                : "INDEX " + name + " (" + String.join(",", cols) + ")" + (partial ? " partial" : "");
    }

    /** The PostgreSQL type each SQLite column type must have (SQLite's INTEGER is 64-bit). */
    private static String sqliteType(String declared) {
        return switch (declared.toUpperCase(Locale.ROOT)) {
            case "INTEGER" -> "bigint";
            case "TEXT" -> "text";
            case "REAL" -> "double precision";
            case "BLOB" -> "bytea";
            default -> "unmapped SQLite type " + declared;
        };
    }
}
