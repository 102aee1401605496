package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.GroupCommitWriter;
import io.tekton.penia.engine.store.Write;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The only writer of the database: a single thread that takes every pending write and
 * commits them together in one transaction (group commit). Each submitter gets a future
 * that completes only after its transaction is committed, so a response can wait for
 * durability while many concurrent recorders share one fsync.
 *
 * <p>A batch that fails is retried one write at a time, so one bad write fails alone. The queue,
 * the loop, the counters and the failure state are {@link GroupCommitWriter}'s (PostgreSQL's
 * writer shares them); this class is SQLite's part: its connection, the WAL and the probe.
 *
 * <p>The writer never checkpoints the WAL itself ({@code wal_autocheckpoint=0} on its
 * connection): SQLite would otherwise copy pages back into the database file and fsync it
 * inside some unlucky commit, every thousand pages (2-7 ms, the p99 of a record under load).
 * A second thread runs passive checkpoints from its own connection instead; they never block
 * the writer, and a commit waits only for its WAL fsync. When the WAL has grown large, the
 * writer checkpoints once itself so that it can start again from its beginning (see
 * {@link #restartWal()}).
 */
public final class LedgerWriter extends GroupCommitWriter<LedgerWriter.SqlWrite> {

    /** One unit of work run inside the writer's transaction: the SQLite form of a {@link Write}. */
    @FunctionalInterface
    public interface SqlWrite extends Write {
        void apply(Statements s) throws SQLException;
    }

    /** Prepared statements cached for the life of the writer's connection. */
    public static final class Statements {
        private final Connection connection;
        private final Map<String, PreparedStatement> cache = new HashMap<>();
        /** Rollup sums of the batch in progress: many records of one bucket and combination, one upsert. */
        private final Map<RollupKey, long[]> rollups = new HashMap<>();
        /** The ledger's next seq (0 until read from the database), and its value when the batch in progress began. */
        private long nextSeq;
        private long batchSeq;
        /** Updates held until the next statement run at once or the commit (null: none are held). */
        private UpdateBatches batches;

        private record RollupKey(long bucket, String component, String provider, String model, String taskType) {
        }

        /** The ledger's highest seq so far, on SQLite (rows and the AUTOINCREMENT counter). */
        private static final String SQLITE_MAX_SEQ = "SELECT MAX(COALESCE((SELECT MAX(seq) FROM usage_records), 0),"
                + " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'usage_records'), 0))";
        private final String maxSeqSql;
        private final String upsertRollupSql;

        Statements(Connection connection) {
            this(connection, SQLITE_MAX_SEQ, SqliteLedger.UPSERT_ROLLUP);
        }

        /**
         * For another database's writer (PostgreSQL): its query of the ledger's highest seq and its
         * form of {@link SqliteLedger#UPSERT_ROLLUP} (the same parameters in the same order).
         */
        public Statements(Connection connection, String maxSeqSql, String upsertRollupSql) {
            this.connection = connection;
            this.maxSeqSql = maxSeqSql;
            this.upsertRollupSql = upsertRollupSql;
        }

        /**
         * From now on updates given to {@link #update} are held and sent in batches (PostgreSQL's
         * writer: one round trip per statement and batch rather than per row; see {@link UpdateBatches}).
         * Without it (SQLite) they run at once.
         */
        public Statements deferUpdates() {
            batches = new UpdateBatches();
            return this;
        }

        /** A statement to run at once: the updates held are sent first, so that it sees them. */
        public PreparedStatement get(String sql) throws SQLException {
            flush();
            return deferrable(sql);
        }

        /** A statement for {@link #update} (nothing held is sent). */
        public PreparedStatement deferrable(String sql) throws SQLException {
            PreparedStatement ps = cache.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                cache.put(sql, ps);
            }
            return ps;
        }

        /**
         * Runs {@code ps} (from {@link #deferrable}, its parameters set), an update of {@code table}
         * at the row {@code key} (null: it may touch any row), or holds it until the next {@link
         * #flush} when {@link #deferUpdates} is on; {@code check} (or null) is given its update count.
         */
        public void update(PreparedStatement ps, String table, String key, UpdateBatches.Check check) throws SQLException {
            if (batches == null) {
                int n = ps.executeUpdate();
                if (check != null) {
                    check.count(n);
                }
                return;
            }
            batches.add(ps, table, key, check);
        }

        /** Sends the updates held (before a commit); their failures are thrown here. */
        public void flush() throws SQLException {
            if (batches != null) {
                batches.flush();
            }
        }

        /**
         * The ledger's next {@code seq}, given by the writer rather than by SQLite so that each
         * rollup row can keep the seq interval of its rows (schema version 5) without asking
         * SQLite for the rowid after every insert. Read from the database once, then counted;
         * a rolled-back batch gives its numbers back.
         */
        public long nextSeq() throws SQLException {
            if (nextSeq == 0) {
                flush();
                try (Statement st = connection.createStatement();
                     ResultSet rs = st.executeQuery(maxSeqSql)) {
                    nextSeq = (rs.next() ? rs.getLong(1) : 0) + 1;
                }
                batchSeq = nextSeq;
            }
            return nextSeq++;
        }

        public void beginBatch() {
            batchSeq = nextSeq;
        }

        /** Adds one record to its 15-minute rollup row, in this batch's transaction. */
        public void addRollup(long bucket, String component, String provider, String model, String taskType,
                              long costMicros, long inputTokens, long outputTokens, long seq) {
            long[] sum = rollups.computeIfAbsent(new RollupKey(bucket, component, provider, model, taskType),
                    k -> new long[]{0, 0, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
            sum[0] = Math.addExact(sum[0], costMicros);
            sum[1] = Math.addExact(sum[1], inputTokens);
            sum[2] = Math.addExact(sum[2], outputTokens);
            sum[3]++;
            sum[4] = Math.min(sum[4], seq);
            sum[5] = Math.max(sum[5], seq);
        }

        /** Writes the batch's rollup sums (before its commit). */
        public void flushRollups() throws SQLException {
            if (rollups.isEmpty()) {
                flush();
                return;
            }
            PreparedStatement up = deferrable(upsertRollupSql);
            for (Map.Entry<RollupKey, long[]> e : rollups.entrySet()) {
                RollupKey k = e.getKey();
                long[] sum = e.getValue();
                up.setLong(1, k.bucket());
                up.setString(2, k.component());
                up.setString(3, k.provider());
                up.setString(4, k.model());
                up.setLong(5, sum[0]);
                up.setLong(6, sum[1]);
                up.setLong(7, sum[2]);
                up.setLong(8, sum[3]);
                up.setLong(9, sum[4]);
                up.setLong(10, sum[5]);
                up.setString(11, k.taskType());
                update(up, "usage_rollup", null, null);
            }
            rollups.clear();
            flush();
        }

        /**
         * Forgets the sums of a batch that is rolled back, and gives its seq numbers back: the
         * next batch reads the ledger's seq again, so a failure caused by a row this writer did
         * not write (a foreign process, a restored file) cannot make every later insert collide.
         */
        public void discardBatch() {
            if (batches != null) {
                batches.discard();
            }
            rollups.clear();
            nextSeq = 0;
        }

        public void close() {
            for (PreparedStatement ps : cache.values()) {
                try {
                    ps.close();
                } catch (SQLException ignored) {
                    // closing at shutdown; nothing to do
                }
            }
        }
    }

    private final Connection connection;
    private final Statements statements;
    private final AtomicLong checkpoints = new AtomicLong();
    private final Database db;
    private final Thread checkpointer;
    /** Set by the checkpointer when the WAL has grown past {@link #restartWalFrames}: the writer checkpoints once itself. */
    private volatile boolean restartWanted;
    private final AtomicLong walRestarts = new AtomicLong();
    private final AtomicLong walRestartNanos = new AtomicLong();
    private volatile long walFrames;
    private final long checkpointEveryMs;
    private final long restartWalFrames;

    /** SQLite result codes that say the database itself refuses writes (not one write's own fault). */
    private static final java.util.Set<Integer> DATABASE_FAULTS = java.util.Set.of(
            5 /* BUSY */, 6 /* LOCKED */, 7 /* NOMEM */, 8 /* READONLY */, 10 /* IOERR */, 11 /* CORRUPT */,
            13 /* FULL */, 14 /* CANTOPEN */, 15 /* PROTOCOL */, 26 /* NOTADB */);

    /** How often the checkpointer looks for new commits to copy back. */
    private static final long CHECKPOINT_EVERY_MS = 200;
    /** 4,096 frames: about 16 MB of WAL (SQLite's own automatic checkpoint starts at 1,000). */
    private static final long RESTART_WAL_FRAMES = 4_096;

    public LedgerWriter(Database db, int queueCapacity, int maxBatch) {
        this(db, queueCapacity, maxBatch, CHECKPOINT_EVERY_MS, RESTART_WAL_FRAMES);
    }

    /** With the checkpointer's period and the WAL size (frames) at which the writer lets it restart. */
    LedgerWriter(Database db, int queueCapacity, int maxBatch, long checkpointEveryMs, long restartWalFrames) {
        super("penia-ledger-writer", "SQLite write", queueCapacity, maxBatch, 10_000);
        this.db = db;
        this.checkpointEveryMs = checkpointEveryMs;
        this.restartWalFrames = restartWalFrames;
        try {
            this.connection = db.connection();
            try (Statement st = connection.createStatement()) {
                st.execute("PRAGMA wal_autocheckpoint=0");
            }
            this.connection.setAutoCommit(false);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the writer connection: " + e.getMessage(), e);
        }
        this.statements = new Statements(connection);
        start();
        this.checkpointer = Thread.ofPlatform().name("penia-wal-checkpointer").daemon(true).start(this::checkpointLoop);
    }

    /** As {@link #submit(Write)}, for a write written here as a lambda. */
    public CompletableFuture<Void> submit(SqlWrite write) {
        return submit((Write) write);
    }

    /** As {@link #offer(Write)}, for a write written here as a lambda. */
    public CompletableFuture<Void> offer(SqlWrite write) {
        return offer((Write) write);
    }

    @Override
    protected SqlWrite own(Write write) {
        return asSql(write);
    }

    /**
     * A write of the SQL backends (or several as one), or null for a write of another backend.
     * PostgreSQL's writer takes these writes too.
     */
    public static SqlWrite asSql(Write w) {
        if (w instanceof SqlWrite s) {
            return s;
        }
        if (w instanceof Write.All all) {
            List<SqlWrite> parts = new ArrayList<>(all.writes().size());
            for (Write part : all.writes()) {
                SqlWrite s = asSql(part);
                if (s == null) {
                    return null;
                }
                parts.add(s);
            }
            return st -> {
                for (SqlWrite s : parts) {
                    s.apply(st);
                }
            };
        }
        return null;
    }

    @Override
    protected String subject() {
        return "the SQLite database " + db.file();
    }

    /** Passive checkpoints run so far (each copies the WAL's committed pages back). */
    public long checkpoints() {
        return checkpoints.get();
    }

    /** Checkpoints the writer ran itself so that the WAL could start again from its beginning. */
    @Override
    public long walRestarts() {
        return walRestarts.get();
    }

    /** Time the writer spent in its own checkpoints (nothing commits meanwhile), in nanoseconds. */
    @Override
    public long walRestartNanos() {
        return walRestartNanos.get();
    }

    /** Frames in the WAL at the last checkpoint (4 KB each). */
    @Override
    public long walFrames() {
        return walFrames;
    }

    private void checkpointLoop() {
        long seen = 0;
        while (running()) {
            try {
                Thread.sleep(checkpointEveryMs);
            } catch (InterruptedException e) {
                return;
            }
            long now = commits();
            if (now != seen) {
                seen = now;
                checkpoint();
            }
        }
    }

    /** One passive checkpoint from a pool connection; a failure is logged and retried next round. */
    private void checkpoint() {
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            checkpoints.incrementAndGet();
            if (rs.next()) {
                walFrames = rs.getLong(2);
                if (walFrames >= restartWalFrames) {
                    restartWanted = true;
                }
            }
        } catch (SQLException | RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "WAL checkpoint failed: " + e.getMessage());
        }
    }

    /** When the WAL has grown large, the writer checkpoints once itself between two batches. */
    @Override
    protected void betweenBatches() {
        if (restartWanted) {
            restartWal();
        }
    }

    /**
     * The checkpointer's passive checkpoints copy the WAL back but can never let it start
     * again from its beginning: under steady load the writer commits again before one ends,
     * so the WAL is never wholly copied back when the next write begins, and it grew without
     * bound (1 GB in 40 s of record load; every new page was allocated and zeroed by the
     * kernel, 18 % of the writer's time in {@code perf}). When it is large, the writer itself
     * checkpoints once between two batches: only the frames of the last few hundred
     * milliseconds are left to copy, nothing commits meanwhile, and its next transaction
     * restarts the WAL at frame 0 (unless a reader still uses it; then the next time).
     */
    private void restartWal() {
        restartWanted = false;
        long t0 = System.nanoTime();
        try {
            connection.setAutoCommit(true);
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                if (rs.next() && rs.getLong(2) == rs.getLong(3)) {
                    walRestarts.incrementAndGet();
                }
            } finally {
                connection.setAutoCommit(false);
            }
        } catch (SQLException | RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "WAL checkpoint by the writer failed: " + e.getMessage());
        } finally {
            walRestartNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    /** One transaction for the batch; when it fails, each write again alone, so that one bad write fails alone. */
    @Override
    protected void commit(List<Pending<SqlWrite>> batch) {
        long t0 = System.nanoTime();
        statements.beginBatch();
        try {
            for (Pending<SqlWrite> p : batch) {
                p.write().apply(statements);
            }
            statements.flushRollups();
            connection.commit();
            committed(batch, t0);
        } catch (SQLException | RuntimeException e) {
            abandon();
            if (batch.size() > 1) {
                oneByOne(batch);
                return;
            }
            if (e instanceof SQLException se && DATABASE_FAULTS.contains(se.getErrorCode() & 0xff)) {
                fault(e);
            }
            failedAlone(batch.getFirst(), e);
        }
    }

    /** Forgets the batch's sums and seq numbers, and rolls its transaction back. */
    @Override
    protected void abandon() {
        statements.discardBatch();
        rollback();
    }

    /** A one-row write that changes nothing (it rewrites the newest schema version's row), then its commit. */
    @Override
    protected void probe() {
        attempted();
        try (Statement st = connection.createStatement()) {
            st.executeUpdate("UPDATE schema_version SET applied_ms = applied_ms"
                    + " WHERE version = (SELECT MAX(version) FROM schema_version)");
            connection.commit();
            recovered();
        } catch (SQLException e) {
            rollback();
            if (DATABASE_FAULTS.contains(e.getErrorCode() & 0xff)) {
                fault(e);
            } else {
                // Not a fault of the database (the probe itself is at odds with the schema): stop probing.
                recovered();
            }
        } finally {
            attempted();
        }
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.log(System.Logger.Level.ERROR, "rollback failed", e);
        }
    }

    /** Commits everything queued, then stops the checkpointer and closes the writer's connection. */
    @Override
    public void close() {
        super.close();
        try {
            checkpointer.interrupt();
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        statements.close();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing at shutdown
        }
    }
}
