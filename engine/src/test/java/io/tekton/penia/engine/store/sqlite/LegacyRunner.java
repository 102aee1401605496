package io.tekton.penia.engine.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the migration runner before Flyway did, kept only to make the files it left behind: it
 * cut comments off each line, split the script at every {@code ;}, and recorded each applied
 * migration as a row of {@code schema_version}.
 */
final class LegacyRunner {
    private LegacyRunner() {
    }

    /** Makes {@code file} as that runner left it at {@code version} (0: its table, no migration yet). */
    static void createAt(Path file, int version) throws Exception {
        createAt(file, version, (c, st) -> {
        });
    }

    /** What a test writes into the old file, through its connection, before Penia opens it. */
    interface Rows {
        void write(Connection c, Statement st) throws Exception;
    }

    /** As {@link #createAt(Path, int)}, with {@code rows} written as that version held them. */
    static void createAt(Path file, int version, Rows rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            applyUpTo(st, version);
            rows.write(c, st);
        }
    }

    /** Runs, through {@code st}, what that runner ran up to {@code version} (its table first). */
    static void applyUpTo(Statement st, int version) throws Exception {
        List<String> names = Database.resource("migrations.txt").lines().filter(l -> !l.isBlank()).map(String::strip).toList();
        st.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
        for (int i = 0; i < version; i++) {
            for (String sql : statements(Database.resource(names.get(i)))) {
                st.execute(sql);
            }
            st.execute("INSERT INTO schema_version VALUES (" + (i + 1) + ", '" + names.get(i) + "', 0)");
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
}
