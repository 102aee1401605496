package io.tekton.penia.engine.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import io.tekton.penia.engine.model.Reservation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 4 rebuilds the holds table (keyed by id, only active holds indexed): a database
 * made by version 3, with holds in it, opens with every hold intact.
 */
class ReservationsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aVersion3Database_keepsItsHolds_activeAndClosed_inTheRebuiltTable() throws Exception {
        Path file = dir.resolve("v3.db");
        LegacyRunner.createAt(file, 3, (c, st) -> {
            st.execute("INSERT INTO reservations (reservation_id, component, provider, model, amount_micros, budget_ids,"
                    + " created_ms, expires_ms, status) VALUES ('res_live', 'athena', 'openai', 'gpt-4o', 10000,"
                    + " 'global,component-athena', 1000, 4102444800000, 'active')");
            st.execute("INSERT INTO reservations (reservation_id, component, provider, model, amount_micros, budget_ids,"
                    + " created_ms, expires_ms, status, closed_ms) VALUES ('res_done', 'athena', NULL, NULL, 20000,"
                    + " 'global', 1000, 2000, 'settled', 1500)");
        });
        try (Database db = Database.open(file, 2)) {
            SqliteLedger store = new SqliteLedger(db);
            List<Reservation> active = store.loadActiveReservations();
            assertThat(active).extracting(Reservation::reservationId).containsExactly("res_live");
            assertThat(active.getFirst().budgetIds()).containsExactly("global", "component-athena");
            assertThat(active.getFirst().amount().micros()).isEqualTo(10_000);
            assertThat(store.findReservation("res_done")).get().extracting(Reservation::status).isEqualTo("settled");
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                ResultSet t = st.executeQuery("SELECT sql FROM sqlite_master WHERE name = 'reservations'");
                assertThat(t.next()).isTrue();
                assertThat(t.getString(1)).contains("WITHOUT ROWID");
                ResultSet plan = st.executeQuery("EXPLAIN QUERY PLAN SELECT reservation_id FROM reservations WHERE status = 'active'");
                assertThat(plan.next()).isTrue();
                assertThat(plan.getString(4)).as("active holds are read through the partial index")
                        .contains("ix_reservations_active");
                ResultSet v = st.executeQuery("SELECT MAX(version) FROM schema_version");
                v.next();
                assertThat(v.getInt(1)).isEqualTo(Database.schemaVersion());
            }
        }
    }
}
