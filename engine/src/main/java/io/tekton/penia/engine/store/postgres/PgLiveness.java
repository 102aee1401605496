package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.BoundedProbe;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Whether PostgreSQL answers, for {@code /health} and {@code /ready} and for the reads' gate: a
 * {@link BoundedProbe} over a direct connection and a trivial query ({@link #CONNECT_TIMEOUT_S} s
 * to connect), its answer kept for {@link #FRESH_MS}, waited for {@link #WAIT_MS} at most.
 *
 * <p>Why: a leader's writer soon finds PostgreSQL unreachable and its reads and /health answer from
 * that at once; a follower's writer never reaches PostgreSQL (its fence refuses every write first),
 * so /health on a follower waited the pool's connection timeout (5 s) on the request thread. A
 * direct connection to a PostgreSQL that is down is refused in milliseconds instead.
 */
final class PgLiveness {
    /** How long an answer is used again, in ms. */
    static final long FRESH_MS = 500;
    /** How long a caller waits for a check, in ms. */
    static final long WAIT_MS = 500;
    /** The check's bounds: connecting, and waiting for PostgreSQL's answer, in s. */
    private static final int CONNECT_TIMEOUT_S = 1;
    private static final int SOCKET_TIMEOUT_S = 2;

    private final PgUrl url;
    private final Runnable noAnswer;
    private final BoundedProbe<Boolean> probe;

    /**
     * @param url      the database
     * @param noAnswer told (on the check's thread) each time a check finds no answer
     */
    PgLiveness(PgUrl url, Runnable noAnswer) {
        this.url = url;
        this.noAnswer = noAnswer;
        this.probe = new BoundedProbe<>("penia-pg-liveness", this::answers, false, FRESH_MS, WAIT_MS);
    }

    /** True when PostgreSQL answered a check less than {@link #FRESH_MS} ago, or answers one within {@link #WAIT_MS}. */
    boolean usable() {
        return probe.get();
    }

    /** True while the last check found no answer and a fresh one (as {@link #usable}) finds none either. */
    boolean knownDown() {
        return Boolean.FALSE.equals(probe.last()) && !usable();
    }

    private boolean answers() {
        try {
            reach(url, CONNECT_TIMEOUT_S, SOCKET_TIMEOUT_S);
            return true;
        } catch (SQLException e) {
            noAnswer.run();
            return false;
        }
    }

    /** A direct connection (not the pool's) and a trivial query, within the bounds given; throws when PostgreSQL does not answer. */
    static void reach(PgUrl url, int connectTimeoutSeconds, int socketTimeoutSeconds) throws SQLException {
        Properties props = url.properties();
        props.putAll(url.params());
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        props.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), props); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
        }
    }
}
