package io.tekton.penia.it.postgres;

import io.tekton.penia.it.support.PgCluster;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test cluster itself (support/PgCluster), as the outage tests of issue 23 use it: down is down
 * (connections refused), and after a graceful restart or a crash it is back on the same port with every
 * committed row.
 */
class PgClusterTest {

    @Test
    void restartAndCrash_keepThePortAndTheCommittedRows() throws SQLException {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        assertThat(pg.createDatabase()).isNotEqualTo(db);
        int port = pg.port();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v BIGINT NOT NULL)");
            s.execute("INSERT INTO t VALUES (1)");
        }

        pg.stop();
        assertThat(pg.isRunning()).isFalse();
        assertThatThrownBy(() -> pg.connect(db).close()).isInstanceOf(SQLException.class);
        pg.start();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("INSERT INTO t VALUES (2)");
        }

        pg.crash();
        assertThatThrownBy(() -> pg.connect(db).close()).isInstanceOf(SQLException.class);
        pg.restart(); // stop() on a stopped cluster is a no-op: this starts it
        assertThat(pg.port()).isEqualTo(port);
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(v), 0), COUNT(*) FROM t")) {
            rs.next();
            assertThat(rs.getLong(1)).as("both committed rows survive stop and crash").isEqualTo(3);
            assertThat(rs.getLong(2)).isEqualTo(2);
        }
        assertThat(pg.isRunning()).isTrue();
    }
}
