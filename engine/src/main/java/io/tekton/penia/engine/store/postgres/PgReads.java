package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.SqlConnections;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * The read connections of a PostgreSQL storage's tables, from the pool: refused at once while the
 * writer finds PostgreSQL unreachable (it tries again every second), so that a read answers 503 at
 * once rather than after the pool's connection timeout; a read that cannot get a connection makes
 * the writer check PostgreSQL at once ({@link PgWriter#suspect}).
 */
final class PgReads implements SqlConnections {
    private final PgDatabase db;
    /** The storage's writer, once started (the newest one after a restart). */
    private volatile PgWriter writer;
    /** Whether PostgreSQL answers, checked off the caller's thread (a follower's writer never finds out). */
    private final PgLiveness liveness;

    PgReads(PgDatabase db) {
        this.db = db;
        this.liveness = new PgLiveness(db.url(), this::suspect);
    }

    /** From now on the gate follows this writer. */
    void follow(PgWriter w) {
        writer = w;
    }

    @Override
    public Connection connection() throws SQLException {
        PgWriter w = writer;
        if (w != null && w.unreachable()) {
            throw new SQLTransientConnectionException("PostgreSQL at " + db.url() + " is unreachable: " + w.failing());
        }
        if (liveness.knownDown()) {
            suspect();
            throw new SQLTransientConnectionException("PostgreSQL at " + db.url() + " does not answer");
        }
        try {
            return db.connection();
        } catch (SQLException e) {
            suspect();
            throw e;
        }
    }

    /**
     * True when a trivial query answers. While the writer finds PostgreSQL unreachable this is false
     * at once (it tries again every second); else {@link PgLiveness}'s answer, waited for half a
     * second at most, never the pool's connection timeout.
     */
    boolean isUsable() {
        PgWriter w = writer;
        if (w != null && w.unreachable()) {
            return false;
        }
        return liveness.usable();
    }

    /** PostgreSQL seems down: the writer checks at once. */
    private void suspect() {
        PgWriter w = writer;
        if (w != null) {
            w.suspect();
        }
    }
}
