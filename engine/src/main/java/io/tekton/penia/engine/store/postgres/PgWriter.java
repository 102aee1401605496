package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.GroupCommitWriter;
import io.tekton.penia.engine.store.Write;
import io.tekton.penia.engine.store.sqlite.LedgerWriter;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Supplier;

/**
 * The single writer of a PostgreSQL storage (group commit: the queue, the loop, the counters and
 * the failure state are {@link GroupCommitWriter}'s, shared with SQLite's {@link LedgerWriter}):
 * one thread takes every write queued, runs them in one transaction on one pooled connection
 * (auto-commit off), commits, and only then completes their futures, so an acknowledged write is
 * committed. A batch that fails is retried one write at a time, so a bad write fails alone. The writes are SQLite's {@link LedgerWriter.SqlWrite}s (PostgreSQL takes their
 * statements; {@link PgLedger} replaces those it does not), run over {@link LedgerWriter.Statements}
 * with PostgreSQL's seq query and rollup upsert. As on SQLite, the writer numbers the ledger's
 * {@code seq} itself (one writer: the leader), from {@code MAX(seq)} read again after a rolled-back
 * batch or a new connection. Updates that need no answer before the commit (holds, usage records,
 * closed holds, rollup upserts) are sent per statement as JDBC batches, one round trip for a batch's
 * rows of one statement ({@link LedgerWriter.Statements#deferUpdates}); their effect is that of the
 * writes in order, and a failure among them still fails the batch, redone one write at a time.
 *
 * <p><b>PostgreSQL down.</b> A failure of the connection or the server (SQL states 08, 53, 57, 58,
 * XX, a read-only server; a pool timeout) fails the whole batch at once (each waiter gets a
 * {@code StoreException}: 503), sets {@link #failing()} (/health degraded, with the reason), and
 * drops the connection (Hikari evicts a broken one). While failing, the writer tries a direct
 * connection at most once a second (a refused connection fails in milliseconds, where the pool
 * would wait its full timeout), and fails writes at once in between; the idle writer probes too,
 * so /health sees the recovery. When PostgreSQL answers again it takes a new pool connection and
 * writes go on, without a restart.
 *
 * <p><b>A commit cut off.</b> When the connection breaks during the commit itself, the batch may
 * have committed or not. Its waiters then wait (30 s at most) until the writer, reconnected, asks
 * PostgreSQL for that transaction's status ({@code pg_xact_status}) before it writes anything
 * else: committed, they succeed; rolled back, they fail. So an answer never contradicts the ledger,
 * and the engine's memory (undone only for a failed write) stays equal to it.
 *
 * <p><b>Fencing.</b> The {@link BatchGuard} (PgStorage#setBatchGuard, none by default) is the first
 * statement of every write transaction (and of the probe): the leadership code checks there, on the
 * writer's own connection and inside its transaction, that this instance still leads (for example
 * that the fencing epoch in a table still is its own, {@code SELECT … FOR SHARE} so that a new leader's
 * bump waits for this commit). When it throws, the batch is rolled back, every write of it fails
 * with that exception, nothing of it is committed, and {@link #failing()} says why.
 */
public final class PgWriter extends GroupCommitWriter<LedgerWriter.SqlWrite> {

    /**
     * The fencing hook: run first in every write transaction, on the writer's connection
     * (auto-commit off). Throwing fails the batch: it is rolled back and not committed.
     */
    @FunctionalInterface
    public interface BatchGuard {
        /** No check: a single instance. */
        BatchGuard NONE = c -> { };

        void check(Connection c) throws SQLException;
    }

    /** The guard threw: the batch is refused as a whole. */
    private static final class Refused extends Exception {
        Refused(Exception cause) {
            super(cause);
        }
    }

    private final PgDatabase db;
    private final Supplier<BatchGuard> guard;
    /** True while the writer has no connection and its last attempt to reach PostgreSQL failed. */
    private volatile boolean unreachable;
    private Connection connection;
    private LedgerWriter.Statements statements;
    /** A batch whose commit was cut off (its answer lost): settled by its transaction's status once PostgreSQL answers. */
    private InDoubt inDoubt;

    /** How long an in-doubt batch's waiters wait for PostgreSQL to say whether it committed. */
    private static final long IN_DOUBT_NANOS = 30_000_000_000L;

    private record InDoubt(String xid, String token, List<Pending<LedgerWriter.SqlWrite>> batch, long sinceNanos) {
    }

    PgWriter(PgDatabase db, Supplier<BatchGuard> guard, int queueCapacity, int maxBatch) {
        super("penia-pg-writer", "write of the PostgreSQL storage", queueCapacity, maxBatch, 15_000);
        this.db = db;
        this.guard = guard;
        start();
    }

    /** PostgreSQL takes SQLite's writes (see {@link LedgerWriter#asSql}). */
    @Override
    protected LedgerWriter.SqlWrite own(Write write) {
        return LedgerWriter.asSql(write);
    }

    @Override
    protected String subject() {
        return "PostgreSQL at " + db.url();
    }

    /** Set when a read could not get a connection: the idle writer checks PostgreSQL at once. */
    private volatile boolean suspect;

    /**
     * A read found PostgreSQL failing: the writer checks at once (a probe: /health degraded, reads
     * refused fast while it is unreachable) rather than at its next write, which may not come.
     */
    void suspect() {
        suspect = true;
    }

    /** True while PostgreSQL could not be reached at the writer's last attempt (it has no connection). */
    boolean unreachable() {
        return unreachable;
    }

    @Override
    protected void idle() {
        giveUpInDoubtWhenOverdue();
        if (suspect && !unreachable || failing() != null && attemptDue()) {
            suspect = false;
            probe();
        }
    }

    /** On a connection, with no batch in doubt: one transaction; else every write of the batch fails at once. */
    @Override
    protected void commit(List<Pending<LedgerWriter.SqlWrite>> batch) {
        giveUpInDoubtWhenOverdue();
        if (connect() && resolveInDoubt()) {
            commitBatch(batch, true);
        } else {
            failAll(batch, unavailable());
        }
    }

    private SQLException unavailable() {
        return new SQLException("PostgreSQL at " + db.url() + " is unavailable: " + failing());
    }

    /** The loop failed during a batch: its connection is given back (and its transaction with it). */
    @Override
    protected void abandon() {
        drop();
    }

    @Override
    protected void stopped() {
        drop();
        if (inDoubt != null) {
            giveUpInDoubt();
        }
    }

    /**
     * A connection for the next transaction: the one held, or a new one from the pool. While
     * failing without a connection, PostgreSQL is first asked directly (fast to refuse), at most
     * once a second; false when it cannot be reached (the writes are then failed at once).
     */
    private boolean connect() {
        if (connection != null) {
            return true;
        }
        if (unreachable && !attemptDue()) {
            return false;
        }
        attempted();
        try {
            if (failing() != null) {
                reach();
            }
            Connection c = db.connection();
            try {
                c.setAutoCommit(false);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
            statements = new LedgerWriter.Statements(c, PgLedger.MAX_SEQ, PgLedger.UPSERT_ROLLUP).deferUpdates();
            unreachable = false;
            return true;
        } catch (SQLException | RuntimeException e) {
            unreachable = true;
            fault(e);
            return false;
        }
    }

    /** A direct connection and a trivial query, bounded to a few seconds; throws when PostgreSQL does not answer. */
    private void reach() throws SQLException {
        PgLiveness.reach(db.url(), 2, 5);
    }

    /**
     * One transaction for the batch. When the connection fails before the commit was sent (a
     * connection broken while idle: PostgreSQL restarted, an idle timeout, a proxy), nothing of the
     * batch was committed: it is tried once more on a new connection when PostgreSQL answers.
     */
    private void commitBatch(List<Pending<LedgerWriter.SqlWrite>> batch, boolean mayRetry) {
        long t0 = System.nanoTime();
        statements.beginBatch();
        try {
            try {
                guard.get().check(connection);
            } catch (SQLException | RuntimeException e) {
                throw new Refused(e);
            }
            for (Pending<LedgerWriter.SqlWrite> p : batch) {
                p.write().apply(statements);
            }
            statements.flushRollups();
            String token = markCommit();
            String xid = transactionId();
            try {
                connection.commit();
            } catch (SQLException e) {
                if (!isFault(e)) {
                    throw e;
                }
                // The commit was sent, its answer is lost: it may have committed. The waiters wait
                // until PostgreSQL says (resolveInDoubt), so that an answer never contradicts the ledger.
                fault(e);
                drop();
                inDoubt = new InDoubt(xid, token, List.copyOf(batch), System.nanoTime());
                log.log(System.Logger.Level.WARNING, "the commit of " + batch.size() + " ledger writes (transaction "
                        + xid + ") was cut off: " + e.getMessage() + "; they wait until PostgreSQL answers");
                return;
            }
            committed(batch, t0);
        } catch (Refused r) {
            Exception e = (Exception) r.getCause();
            statements.discardBatch();
            rollback();
            boolean connectionFault = isFault(e);
            if (connectionFault) {
                drop();
            }
            fault(e);
            if (connectionFault && mayRetry && connect() && resolveInDoubt()) {
                commitBatch(batch, false);
                return;
            }
            log.log(System.Logger.Level.WARNING, "ledger batch refused by the batch guard: " + e.getMessage());
            failAll(batch, e);
        } catch (SQLException | RuntimeException e) {
            statements.discardBatch();
            rollback();
            if (isFault(e)) {
                // PostgreSQL (or the connection) failed, not one write: nothing of the batch was
                // committed; once more on a new connection, else every write of it fails now.
                fault(e);
                drop();
                if (mayRetry && connect() && resolveInDoubt()) {
                    commitBatch(batch, false);
                    return;
                }
                failAll(batch, e);
                return;
            }
            if (batch.size() == 1) {
                failedAlone(batch.getFirst(), e);
                return;
            }
            oneByOne(batch);
        }
    }

    /**
     * Writes this batch's commit token in the transaction (one settings row per writer, the key
     * naming the writer): whether a cut-off commit landed is read from the data itself. The
     * transaction id alone cannot say it after PostgreSQL crashed: an id whose assignment never
     * reached the disk is handed out again after recovery, and {@code pg_xact_status} then reports
     * another transaction's commit (seen as an acknowledged record missing from the ledger).
     */
    private String markCommit() throws SQLException {
        String token = Long.toString(++batchesMarked);
        java.sql.PreparedStatement ps = statements.get(MARK_COMMIT);
        ps.setString(1, commitKey);
        ps.setString(2, token);
        ps.executeUpdate();
        return token;
    }

    private static final String MARK_COMMIT = "INSERT INTO settings (key, value) VALUES (?, ?)"
            + " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    /** The settings key of this writer's commit token: unique per writer (process start). */
    private final String commitKey = "ledger.writer_commit." + java.util.UUID.randomUUID();
    private long batchesMarked;

    /**
     * {@code pg_xact_status} of the cut-off transaction; null when PostgreSQL does not know the id
     * (after a crash an id whose assignment was lost is "in the future"): then the token decides.
     */
    private String xactStatus(String xid) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement("SELECT pg_xact_status(?::xid8)")) {
            ps.setString(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            if (isFault(e)) {
                throw e;
            }
            connection.rollback();
            return null;
        }
    }

    /** True when the in-doubt batch's token is in the database: its transaction committed. */
    private boolean tokenCommitted(InDoubt d) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
            ps.setString(1, commitKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && d.token().equals(rs.getString(1));
            }
        }
    }

    /** The id of the transaction in progress (it has written, so it has one). */
    private String transactionId() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Settles a batch whose commit was cut off, on a new connection, before any other write: its
     * waiters succeed when its transaction committed, fail when it aborted. False (and nothing
     * else is written) while that cannot be known yet.
     */
    private boolean resolveInDoubt() {
        if (inDoubt == null) {
            return true;
        }
        String status;
        try {
            status = xactStatus(inDoubt.xid());
            if (!"in progress".equals(status)) {
                // Settled either way: the token, not the (possibly reused) id, says which.
                status = tokenCommitted(inDoubt) ? "committed" : "aborted";
            }
            connection.commit();
        } catch (SQLException e) {
            rollback();
            if (isFault(e)) {
                drop();
            }
            fault(e);
            return false;
        }
        if ("in progress".equals(status)) {
            return false;
        }
        List<Pending<LedgerWriter.SqlWrite>> batch = inDoubt.batch();
        inDoubt = null;
        recovered(); // PostgreSQL answers again
        if ("committed".equals(status)) {
            log.log(System.Logger.Level.INFO, "the cut-off commit of " + batch.size() + " ledger writes did commit");
            acknowledged(batch);
        } else {
            log.log(System.Logger.Level.INFO, "the cut-off commit of " + batch.size() + " ledger writes did not commit ("
                    + status + ")");
            failAll(batch, new SQLException("the commit was cut off and PostgreSQL rolled it back"));
        }
        return true;
    }

    /**
     * PostgreSQL stayed away too long to say whether an in-doubt batch committed: its waiters get
     * a failure (503) rather than wait on. Its rows may yet be in the ledger (the engine, which
     * undoes a failed write in memory, then counts less than the ledger until its next start).
     */
    private void giveUpInDoubt() {
        List<Pending<LedgerWriter.SqlWrite>> batch = inDoubt.batch();
        log.log(System.Logger.Level.ERROR, "PostgreSQL did not come back within " + IN_DOUBT_NANOS / 1_000_000_000L
                + " s to say whether transaction " + inDoubt.xid() + " (" + batch.size()
                + " ledger writes) committed; they are answered as failed, but may be in the ledger");
        inDoubt = null;
        failAll(batch, new SQLException("the commit was cut off and PostgreSQL is unavailable: " + failing()));
    }

    private void giveUpInDoubtWhenOverdue() {
        if (inDoubt != null && System.nanoTime() - inDoubt.sinceNanos() > IN_DOUBT_NANOS) {
            giveUpInDoubt();
        }
    }

    /**
     * True when the failure is PostgreSQL's or the connection's, not the write's: connection
     * exceptions (08), insufficient resources (53), operator intervention (57: shut down, crashed,
     * starting), system and internal errors (58, XX), a read-only server (25006), the pool's
     * timeout, an I/O error, or a connection that is closed.
     */
    private boolean isFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLException se && se.getSQLState() != null) {
                String state = se.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.startsWith("58")
                        || state.startsWith("XX") || state.equals("25006")) {
                    return true;
                }
            }
        }
        try {
            return connection == null || connection.isClosed();
        } catch (SQLException ignored) {
            return true;
        }
    }

    /**
     * While failing and idle: reconnects when needed, then runs the guard and a statement that
     * needs a writable server (a transaction id), and commits; success clears {@link #failing()}.
     */
    @Override
    protected void probe() {
        // connect() itself keeps to one attempt a second while PostgreSQL is unreachable.
        if (!connect() || !resolveInDoubt() || connection == null) {
            attempted();
            return;
        }
        try (Statement st = connection.createStatement()) {
            guard.get().check(connection);
            try (ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()")) {
                rs.next();
            }
            connection.commit();
            recovered();
        } catch (SQLException | RuntimeException e) {
            rollback();
            boolean connectionFault = isFault(e);
            if (connectionFault) {
                drop();
            }
            fault(e);
            if (connectionFault) {
                connect(); // at once: unreachable (reads refused fast) when PostgreSQL is down
            }
        } finally {
            attempted();
        }
    }

    private void rollback() {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.log(System.Logger.Level.DEBUG, "rollback failed: " + e.getMessage());
        }
    }

    /** Gives the connection back (the pool evicts a broken one); the next transaction takes a new one. */
    private void drop() {
        if (statements != null) {
            statements.close();
            statements = null;
        }
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // broken: the pool evicts it on close
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already gone
            }
            connection = null;
        }
    }
}
