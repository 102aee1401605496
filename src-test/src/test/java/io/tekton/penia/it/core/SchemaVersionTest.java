package io.tekton.penia.it.core;

import io.tekton.penia.engine.store.sqlite.Database;
import io.tekton.penia.it.support.RunningClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A database written by a newer Penia (a schema version above this binary's) is refused at
 * start with both versions named, and left as it was.
 */
class SchemaVersionTest {

    @Test
    void databaseFromNewerPenia_refusesToStart_namingBothVersions_andIsLeftUntouched() throws SQLException {
        int current = Database.schemaVersion();
        int newer = current + 1;
        try (TestServer t = TestServer.start(Map.of(), RunningClock.midweekNoon())) {
            String component = uniq("schema");
            String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
            Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "1.5");
            t.server().close();
            String url = "jdbc:sqlite:" + t.dbFile().toAbsolutePath();
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO schema_version VALUES (" + newer + ", 'from_a_newer_penia.sql', 0)");
            }

            assertThatThrownBy(t::restart)
                    .hasMessageContaining("schema version " + newer)
                    .hasMessageContaining("schema version " + current)
                    .hasMessageContaining(t.dbFile().getFileName().toString());

            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT MAX(version), COUNT(*) FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("nothing migrated or rolled back").isEqualTo(newer);
                assertThat(rs.getInt(2)).isEqualTo(newer);
                s.executeUpdate("DELETE FROM schema_version WHERE version = " + newer);
            }
            // Back at this binary's version, the same file opens with its data intact.
            t.restart();
            assertUsd(Ledger.period(t, id, "monthly").get("spent"), "1.5");
        }
    }
}
