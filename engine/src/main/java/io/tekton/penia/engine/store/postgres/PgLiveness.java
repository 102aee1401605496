package io.tekton.penia.engine.store.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether PostgreSQL answers, for {@code /health} and {@code /ready} and for the reads' gate: a
 * bounded, cached check. The check (a direct connection and a trivial query, {@link
 * #CONNECT_TIMEOUT_S} s to connect) runs on its own virtual thread, one at a time; its answer is
 * kept for {@link #FRESH_MS}. A caller waits for a running check at most {@link #WAIT_MS}, and not
 * at all once it has run longer than that: a check still waiting then means "does not answer".
 *
 * <p>Why: while PostgreSQL is down the pool waits its whole connection timeout (5 s) for a
 * connection. A leader's writer soon finds PostgreSQL unreachable and its reads and /health answer
 * from that at once; a follower's writer never reaches PostgreSQL (its fence refuses every write
 * first), so /health on a follower waited those 5 s on the request thread, longer than a load
 * balancer's health probe waits. A direct connection is refused in milliseconds instead.
 */
final class PgLiveness {
    /** How long an answer is used again, in ms. */
    static final long FRESH_MS = 500;
    /** How long a caller waits for a check, in ms. */
    static final long WAIT_MS = 500;
    /** The check's bounds: connecting, and waiting for PostgreSQL's answer, in s. */
    private static final int CONNECT_TIMEOUT_S = 1;
    private static final int SOCKET_TIMEOUT_S = 2;

    private record Answer(boolean usable, long atNanos) {
    }

    private record Check(CompletableFuture<Boolean> answer, long startNanos) {
    }

    private final PgUrl url;
    private final Runnable noAnswer;
    private volatile Answer last;
    /** The check running or run last; guarded by {@code this}. */
    private Check current;

    /**
     * @param url      the database
     * @param noAnswer told (on the check's thread) each time a check finds no answer
     */
    PgLiveness(PgUrl url, Runnable noAnswer) {
        this.url = url;
        this.noAnswer = noAnswer;
    }

    /** True when PostgreSQL answered a check less than {@link #FRESH_MS} ago, or answers one within {@link #WAIT_MS}. */
    boolean usable() {
        Answer a = last;
        if (a != null && System.nanoTime() - a.atNanos() < TimeUnit.MILLISECONDS.toNanos(FRESH_MS)) {
            return a.usable();
        }
        Check c = started();
        long waitNanos = TimeUnit.MILLISECONDS.toNanos(WAIT_MS) - (System.nanoTime() - c.startNanos());
        if (waitNanos <= 0) {
            return false; // the check has waited longer than a caller may: no answer
        }
        try {
            return c.answer().get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True while the last check found no answer and a fresh one (as {@link #usable}) finds none either. */
    boolean knownDown() {
        Answer a = last;
        return a != null && !a.usable() && !usable();
    }

    /** The running check, or a new one when none runs. */
    private synchronized Check started() {
        if (current != null && !current.answer().isDone()) {
            return current;
        }
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        Check c = new Check(answer, System.nanoTime());
        current = c;
        Thread.ofVirtual().name("penia-pg-liveness").start(() -> {
            boolean usable = false;
            try {
                reach(url, CONNECT_TIMEOUT_S, SOCKET_TIMEOUT_S);
                usable = true;
            } catch (SQLException | RuntimeException e) {
                noAnswer.run();
            } finally {
                last = new Answer(usable, System.nanoTime());
                answer.complete(usable);
            }
        });
        return c;
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
