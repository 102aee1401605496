package io.tekton.penia.engine.store.sqlite;

import java.sql.BatchUpdateException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates that need no answer before the commit, held back and sent per statement with JDBC's
 * {@code addBatch}/{@code executeBatch} (PostgreSQL's writer, see {@link LedgerWriter.Statements#deferUpdates}):
 * one round trip for all the rows of one statement instead of one per row.
 *
 * <p>The effect is that of running them in the order given. Rows of one statement stay in their
 * order, and the statements' groups run in the order each was first given; so a row that joins its
 * statement's group is moved before the rows of the groups given after it. That is allowed only when
 * none of them can touch the same row: another table, or the same table with another known row key
 * (a reservation's id, ...). Otherwise, and before any statement that is run at once (a query, an
 * update not deferred, the commit), everything held is sent first. The tables have no triggers and
 * no foreign keys, so statements on different tables commute.
 *
 * <p>An update count a write wants to check (an insert that must add its row) is checked when its
 * group is sent; its exception then fails the batch, which the writer retries one write at a time.
 */
public final class UpdateBatches {
    /** Checks one row's update count (throws to fail the write). */
    @FunctionalInterface
    public interface Check {
        void count(int updated) throws SQLException;
    }

    private static final class Group {
        final PreparedStatement ps;
        final String table;
        final Set<String> keys = new HashSet<>();
        /** A row without a key: it may touch any row of the table. */
        boolean anyRow;
        final List<Check> checks = new ArrayList<>();

        Group(PreparedStatement ps, String table) {
            this.ps = ps;
            this.table = table;
        }

        boolean mayTouch(String table, String key) {
            return this.table.equals(table) && (key == null || anyRow || keys.contains(key));
        }
    }

    private final List<Group> order = new ArrayList<>();
    private final Map<PreparedStatement, Group> groups = new IdentityHashMap<>();
    private int rows;

    /** True while nothing is held. */
    boolean isEmpty() {
        return rows == 0;
    }

    /** How many rows are held (not sent yet). */
    int rows() {
        return rows;
    }

    /**
     * Holds one row of {@code ps} (its parameters set) that touches {@code table} at the row
     * {@code key} (null: any row); {@code check} (or null) is given its update count when sent.
     */
    void add(PreparedStatement ps, String table, String key, Check check) throws SQLException {
        Group g = groups.get(ps);
        if (g != null && g != order.getLast()) {
            for (int i = order.indexOf(g) + 1; i < order.size(); i++) {
                if (order.get(i).mayTouch(table, key)) {
                    // It would pass a row it may depend on: send everything held, then start again.
                    flush();
                    g = null;
                    break;
                }
            }
        }
        if (g == null) {
            g = new Group(ps, table);
            groups.put(ps, g);
            order.add(g);
        }
        ps.addBatch();
        rows++;
        if (key == null) {
            g.anyRow = true;
        } else {
            g.keys.add(key);
        }
        g.checks.add(check);
    }

    /** Sends every row held, group by group, and checks the counts asked for. */
    void flush() throws SQLException {
        if (rows == 0) {
            return;
        }
        try {
            for (Group g : order) {
                int[] counts;
                try {
                    counts = g.ps.executeBatch();
                } catch (BatchUpdateException e) {
                    // The server's own error (a duplicate key, a lost connection) rather than the
                    // driver's "batch entry n was aborted": the message and SQL state of a single update.
                    SQLException cause = e.getNextException();
                    if (cause != null) {
                        cause.addSuppressed(e);
                        throw cause;
                    }
                    throw e;
                }
                if (counts.length != g.checks.size()) {
                    throw new SQLException("a batch of " + g.checks.size() + " updates returned " + counts.length
                            + " update counts");
                }
                for (int i = 0; i < counts.length; i++) {
                    Check c = g.checks.get(i);
                    if (c != null) {
                        c.count(counts[i]);
                    }
                }
            }
        } finally {
            discard();
        }
    }

    /** Forgets every row held (the batch is rolled back). */
    void discard() {
        for (Group g : order) {
            try {
                g.ps.clearBatch();
            } catch (SQLException ignored) {
                // the connection is broken or closed: it is dropped with its statements
            }
        }
        order.clear();
        groups.clear();
        rows = 0;
    }
}
