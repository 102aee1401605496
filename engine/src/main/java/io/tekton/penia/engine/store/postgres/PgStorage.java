package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.WriterStorage;

import java.util.Map;
import java.util.Objects;

/**
 * The PostgreSQL backend of the storage port (issue 23): a {@link PgDatabase} (Hikari pool, Flyway
 * schema), its single writer {@link PgWriter} and the tables over it ({@link PgLedger}, {@link PgKeys},
 * {@link PgAudit}, {@link PgDeliveries}: SQLite's statements, those PostgreSQL words differently
 * replaced). One instance writes at a time (the leader); {@link #setBatchGuard} installs the check
 * that fences a deposed one (see {@link PgWriter}).
 *
 * <p>It has none of SQLite's file capabilities: backups, ledger retention to monthly files and
 * vacuum are refused with a clear error; PostgreSQL has its own tools for them (pg_dump or
 * pg_basebackup, and its autovacuum).
 */
public final class PgStorage extends WriterStorage<PgWriter, PgLedger> {
    private final PgDatabase db;
    /** The tables' read connections, refused fast while the writer finds PostgreSQL unreachable. */
    private final PgReads reads;
    private volatile PgWriter.BatchGuard guard = PgWriter.BatchGuard.NONE;

    private PgStorage(PgDatabase db, PgReads reads) {
        super(new PgLedger(reads), new PgKeys(reads), new PgAudit(reads), new PgDeliveries(reads));
        this.db = db;
        this.reads = reads;
    }

    /** Connects to the database and migrates it to the newest schema (see {@link PgDatabase#open}). */
    public static PgStorage open(PgUrl url, int poolSize) {
        PgDatabase db = PgDatabase.open(url, poolSize);
        return new PgStorage(db, new PgReads(db));
    }

    /** The pool and the migrations. */
    public PgDatabase database() {
        return db;
    }

    /**
     * The check run first in every write transaction of the writer (the leader's fencing); a
     * throw fails that batch, uncommitted. Takes effect from the next batch; {@code NONE} by default.
     */
    public void setBatchGuard(PgWriter.BatchGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /** The URL, password redacted. */
    @Override
    public String location() {
        return db.url().toString();
    }

    /**
     * True when a trivial query answers. While the writer finds PostgreSQL unreachable this is false
     * at once (it tries again every second), rather than after the pool's connection timeout.
     */
    @Override
    public boolean isUsable() {
        return reads.isUsable();
    }

    @Override
    protected PgWriter newWriter(int queueCapacity, int maxBatch) {
        PgWriter w = new PgWriter(db, () -> guard, queueCapacity, maxBatch);
        reads.follow(w);
        return w;
    }

    /** Backups, retention and vacuum: refused, with PostgreSQL's own way named. */
    @Override
    public PeniaException unsupported(String what) {
        return new PeniaException(ErrorCode.INVALID_ARGUMENT, "the PostgreSQL storage at " + location()
                + " does not support " + what + " through Penia: use pg_dump (or pg_basebackup) for backups;"
                + " PostgreSQL's autovacuum reclaims space", Map.of("storage", location(), "backend", "postgresql"));
    }

    @Override
    protected void closeDatabase() {
        db.close();
    }
}
