package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The SQL of the election of one leader among several Penia instances over one PostgreSQL database
 * (the server's {@code cluster.Leadership} runs the election itself: its thread, timing, view and
 * logging). One object is one dedicated connection (not one of the pool's), listening on {@link
 * #CHANNEL}: the instance whose connection holds the session advisory lock {@link #LOCK_KEY} leads,
 * and {@link #promote} raises {@code cluster_leader.epoch} (migration {@code P2__cluster.sql}: one
 * row) and writes the winner's id and URL there. {@link #fence} is the leader's {@link
 * PgWriter.BatchGuard}: every write transaction fails unless the row still has its epoch.
 *
 * <p>A failure of the connection or a statement is a {@link StoreException} with the driver's
 * message; the connection is then of no further use ({@link #close} it and open another).
 */
public final class PgLeaderLock implements AutoCloseable {
    /** The advisory lock's key: "PENIA" in ASCII. */
    public static final long LOCK_KEY = 0x50454E4941L;
    /** The channel a new leader notifies. */
    public static final String CHANNEL = "penia_leader";

    /**
     * The fence of an instance that has not led yet: refuses every write transaction (its engine,
     * loaded at start, is not the one deciding; it reloads when it wins).
     */
    public static final PgWriter.BatchGuard REFUSE_UNTIL_LEADING = c -> {
        throw new SQLException("this instance does not lead (yet); the write is refused");
    };

    /** Who leads, as the row says. */
    public record Leader(String instanceId, String url, long epoch) {
    }

    private final Connection conn;

    private PgLeaderLock(Connection conn) {
        this.conn = conn;
    }

    /** Opens the dedicated connection of {@code db} and listens on {@link #CHANNEL}. */
    public static PgLeaderLock open(PgUrl db) {
        Properties props = db.properties();
        props.setProperty("ApplicationName", "penia-leadership");
        props.setProperty("connectTimeout", "5");
        // A read that waits for a server gone silent ends within seconds (a heartbeat is one query).
        props.setProperty("socketTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        try {
            Connection c = DriverManager.getConnection(db.jdbcUrl(), props);
            try {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return new PgLeaderLock(c);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Who leads according to the row of {@code db} (maybe a leader that has just died), read over a
     * connection of its own, closed after.
     */
    public static Leader readLeader(PgUrl db) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.properties())) {
            return read(c);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * The fence of a write transaction of the leader of {@code epoch}: throws unless the row still
     * has that epoch. Run as the first statement of each transaction; its shared row lock makes a
     * new leader's epoch raise wait for the transaction, so none of a deposed leader commits after.
     */
    public static PgWriter.BatchGuard fence(long epoch) {
        return c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT epoch FROM cluster_leader WHERE id = 1 FOR SHARE")) {
                long now = rs.next() ? rs.getLong(1) : -1;
                if (now != epoch) {
                    throw new SQLException("this instance no longer leads (its epoch is " + epoch + ", the database's "
                            + now + "); the write is refused");
                }
            }
        };
    }

    /** Tries the advisory lock (without waiting); true when this connection holds it. */
    public boolean tryLock() {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, LOCK_KEY);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Holding the lock: raises the epoch and writes {@code instanceId}, {@code url} and {@code
     * sinceMs} into the row, in one transaction; returns the new epoch.
     */
    public long promote(String instanceId, String url, long sinceMs) {
        try {
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement("UPDATE cluster_leader SET epoch = epoch + 1,"
                    + " instance_id = ?, url = ?, since_ms = ? WHERE id = 1 RETURNING epoch")) {
                ps.setString(1, instanceId);
                ps.setString(2, url);
                ps.setLong(3, sinceMs);
                long won;
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("cluster_leader has no row (is the schema migrated?)");
                    }
                    won = rs.getLong(1);
                }
                conn.commit();
                return won;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Tells the listening instances that {@code epoch} leads ({@code NOTIFY}). */
    public void announce(long epoch) {
        try (Statement s = conn.createStatement()) {
            s.execute("NOTIFY " + CHANNEL + ", '" + epoch + "'");
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Who leads according to the row, read over this connection. */
    public Leader read() {
        try {
            return read(conn);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Waits up to {@code ms} for a notification on this connection; true when one came. */
    public boolean awaitNotification(int ms) {
        try {
            org.postgresql.PGNotification[] n = conn.unwrap(org.postgresql.PGConnection.class).getNotifications(ms);
            return n != null && n.length > 0;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Closes the connection (giving the lock up). */
    @Override
    public void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing what already failed
        }
    }

    /**
     * For tests of a leader that dies: closes the connection at once, as a killed process's would
     * be closed, without a handover.
     */
    public void sever() {
        try {
            conn.abort(Runnable::run);
        } catch (SQLException ignored) {
            // what matters is that it is gone
        }
    }

    private static Leader read(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT instance_id, url, epoch FROM cluster_leader WHERE id = 1")) {
            return rs.next() ? new Leader(rs.getString(1), rs.getString(2), rs.getLong(3)) : new Leader(null, null, 0);
        }
    }

    private static StoreException failed(SQLException e) {
        return new StoreException(e.getMessage(), e);
    }
}
