package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.AuditTable;
import io.tekton.penia.engine.store.DeliveryTable;
import io.tekton.penia.engine.store.KeyTable;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.WriterStorage;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The SQLite backend of the storage port: one file ({@link Database}: a WAL-mode pool and the
 * Flyway migrations), its group-commit {@link LedgerWriter}, and the tables over it. It has
 * every capability: online backups ({@link Backup}), retention to monthly files ({@link
 * LedgerArchive}) and incremental vacuum ({@link Vacuum}).
 */
public final class SqliteStorage extends WriterStorage<LedgerWriter> {
    private final Database db;
    private final SqliteLedger ledger;
    private final SqliteKeys keys;
    private final SqliteAudit audit;
    private final SqliteDeliveries deliveries;

    private SqliteStorage(Database db) {
        this.db = db;
        this.ledger = new SqliteLedger(db);
        this.keys = new SqliteKeys(db);
        this.audit = new SqliteAudit(db);
        this.deliveries = new SqliteDeliveries(db);
    }

    /** Opens (creating if needed) the file and migrates it to the newest schema. */
    public static SqliteStorage open(Path file, int poolSize) {
        return new SqliteStorage(Database.open(file, poolSize));
    }

    /** The file's pool and migrations (for tests and tools that need the SQLite file itself). */
    public Database database() {
        return db;
    }

    @Override
    public String location() {
        return db.file().toString();
    }

    @Override
    public boolean isUsable() {
        return db.isUsable();
    }

    @Override
    protected LedgerWriter newWriter(int queueCapacity, int maxBatch) {
        return new LedgerWriter(db, queueCapacity, maxBatch);
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

    @Override
    public Snapshot backup(Path target) {
        return Backup.write(db, target);
    }

    @Override
    public Archived archiveBefore(Instant cutoff, Path dir, ZoneId zone) {
        return new LedgerArchive(ledger, writer(), dir, zone).archiveBefore(cutoff);
    }

    @Override
    public Vacuumed vacuum(long maxPages) {
        return Vacuum.incremental(db, writer(), maxPages);
    }

    @Override
    protected void closeDatabase() {
        db.close();
    }
}
