package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.NewerSchemaException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flyway applies the schema migrations: a new file is created by it, a file left by the runner
 * before it (at any version) is taken over in place and ends with the same schema, and its
 * checksums refuse a migration that changed after it was applied.
 */
class FlywayMigrationTest {
    private static final int CURRENT = Database.schemaVersion();

    @TempDir
    Path dir;

    static IntStream legacyVersions() {
        return IntStream.rangeClosed(0, CURRENT);
    }

    @Test
    void aNewFile_isCreatedByFlyway_oneHistoryRowWithAChecksumPerMigration() throws Exception {
        Path file = dir.resolve("new.db");
        Database.open(file, 2).close();

        List<String> history = history(file);
        assertThat(history).hasSize(CURRENT);
        for (int v = 1; v <= CURRENT; v++) {
            assertThat(history.get(v - 1)).matches(v + " SQL V" + v + "__\\w+\\.sql checksum=-?\\d+ success=1");
        }
        assertThat(legacyRows(file)).as("schema_version is still written for an older Penia")
                .isEqualTo(List.of(CURRENT, CURRENT));

        Database.open(file, 2).close();
        assertThat(history(file)).as("a second open applies nothing").isEqualTo(history);
    }

    @ParameterizedTest(name = "a file left at version {0} by the runner before Flyway")
    @MethodSource("legacyVersions")
    void aFileOfTheRunnerBeforeFlyway_isTakenOverAtItsVersion_andMigratesInPlace_toTheSameSchema(int version)
            throws Exception {
        Path file = dir.resolve("old-v" + version + ".db");
        LegacyRunner.createAt(file, version);
        if (version >= 1) {
            exec(file, "INSERT INTO budgets VALUES ('kept', '{}', 1, 0, 1, 1)");
        }

        Database.open(file, 1).close();

        List<String> history = history(file);
        assertThat(history).hasSize(1 + CURRENT - version);
        assertThat(history.getFirst()).isEqualTo(version + " BASELINE schema_version " + version
                + " (before Flyway) checksum=null success=1");
        for (int v = version + 1; v <= CURRENT; v++) {
            assertThat(history.get(v - version)).matches(v + " SQL V" + v + "__\\w+\\.sql checksum=-?\\d+ success=1");
        }
        assertThat(legacyRows(file)).isEqualTo(List.of(CURRENT, CURRENT));
        if (version >= 1) {
            assertThat(count(file, "SELECT COUNT(*) FROM budgets WHERE budget_id = 'kept'")).isEqualTo(1);
        }
        Path fresh = dir.resolve("fresh-" + version + ".db");
        Database.open(fresh, 2).close();
        assertThat(schema(file)).isNotEmpty().isEqualTo(schema(fresh));

        Database.open(file, 2).close();
        assertThat(history(file)).as("a second open neither baselines again nor applies anything").isEqualTo(history);
    }

    @Test
    void aMigrationThatChangedAfterItWasApplied_isRefusedByItsChecksum_andNothingIsApplied() throws Exception {
        Path file = dir.resolve("changed.db");
        LegacyRunner.createAt(file, 2);
        Database.open(file, 2).close();
        exec(file, "UPDATE " + Database.HISTORY + " SET checksum = checksum + 1 WHERE version = '3'");
        List<String> before = history(file);

        assertThatThrownBy(() -> Database.open(file, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("checksum");
        assertThat(history(file)).isEqualTo(before);
    }

    @Test
    void aFileWithAMigrationOfANewerPenia_inFlywaysHistory_isRefused_namingBothVersions_andLeftAsItWas() throws Exception {
        Path file = dir.resolve("newer.db");
        Database.open(file, 2).close();
        int newer = CURRENT + 1;
        exec(file, "INSERT INTO " + Database.HISTORY + " (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) VALUES (" + (CURRENT + 1) + ", '" + newer
                + "', 'from a newer penia', 'SQL', 'V" + newer + "__from_a_newer_penia.sql', 7, '', 0, 1)");
        List<String> before = history(file);
        byte[] bytes = Files.readAllBytes(file);

        assertThatThrownBy(() -> Database.open(file, 2))
                .isInstanceOf(NewerSchemaException.class)
                .hasMessageContaining("schema version " + newer)
                .hasMessageContaining("schema version " + CURRENT);
        assertThat(history(file)).isEqualTo(before);
        assertThat(legacyRows(file)).isEqualTo(List.of(CURRENT, CURRENT));
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    /** Flyway's history, one line per row: version, type, script, checksum, success. */
    private static List<String> history(Path file) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, type, script, checksum, success FROM " + Database.HISTORY
                     + " ORDER BY installed_rank")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " checksum="
                        + rs.getString(4) + " success=" + rs.getInt(5));
            }
        }
        return rows;
    }

    /** MAX(version) and COUNT(*) of schema_version. */
    private static List<Integer> legacyRows(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MAX(version), COUNT(*) FROM schema_version")) {
            rs.next();
            return List.of(rs.getInt(1), rs.getInt(2));
        }
    }

    /** Every table and index of Penia's schema, its SQL without comments and with single spaces. */
    private static List<String> schema(Path file) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master"
                     + " WHERE name NOT LIKE '" + Database.HISTORY + "%' AND name NOT IN ('schema_version', 'sqlite_sequence')"
                     + " ORDER BY type, name")) {
            while (rs.next()) {
                String sql = rs.getString(4) == null ? "" : rs.getString(4).replaceAll("--[^\n]*", " ").replaceAll("\\s+", " ").strip();
                out.add(rs.getString(1) + " " + rs.getString(2) + " on " + rs.getString(3) + ": " + sql);
            }
        }
        return out;
    }

    private static long count(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
