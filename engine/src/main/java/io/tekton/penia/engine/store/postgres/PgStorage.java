package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.AuditTable;
import io.tekton.penia.engine.store.DeliveryTable;
import io.tekton.penia.engine.store.KeyTable;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.WriterStorage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
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
public final class PgStorage extends WriterStorage<PgWriter> {
    private final PgDatabase db;
    private final PgLedger ledger;
    private final PgKeys keys;
    private final PgAudit audit;
    private final PgDeliveries deliveries;
    private volatile PgWriter.BatchGuard guard = PgWriter.BatchGuard.NONE;

    private PgStorage(PgDatabase db) {
        this.db = db;
        this.ledger = new PgLedger(this::readConnection);
        this.keys = new PgKeys(this::readConnection);
        this.audit = new PgAudit(this::readConnection);
        this.deliveries = new PgDeliveries(this::readConnection);
    }

    /**
     * A pool connection for a read; refused at once while the writer finds PostgreSQL unreachable
     * (it tries again every second), so that a read answers 503 at once rather than after the
     * pool's connection timeout.
     */
    private Connection readConnection() throws SQLException {
        PgWriter w = startedWriter();
        if (w != null && w.unreachable()) {
            throw new SQLTransientConnectionException("PostgreSQL at " + location() + " is unreachable: " + w.failing());
        }
        try {
            return db.connection();
        } catch (SQLException e) {
            if (w != null) {
                w.suspect();
            }
            throw e;
        }
    }

    /** Connects to the database and migrates it to the newest schema (see {@link PgDatabase#open}). */
    public static PgStorage open(PgUrl url, int poolSize) {
        return new PgStorage(PgDatabase.open(url, poolSize));
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
        PgWriter w = startedWriter();
        if (w != null && w.unreachable()) {
            return false;
        }
        boolean usable = db.isUsable();
        if (!usable && w != null) {
            w.suspect();
        }
        return usable;
    }

    @Override
    protected PgWriter newWriter(int queueCapacity, int maxBatch) {
        return new PgWriter(db, () -> guard, queueCapacity, maxBatch);
    }

    @Override
    public LedgerStore ledger() {
        return ledger;
    }

    @Override
    public KeyTable keys() {
        return keys;
    }

    @Override
    public AuditTable audit() {
        return audit;
    }

    @Override
    public DeliveryTable deliveries() {
        return deliveries;
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
