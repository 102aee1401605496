package io.tekton.penia.engine.store.sqlite;

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
public final class SqliteStorage extends WriterStorage<LedgerWriter, SqliteLedger> {
    private final Database db;

    private SqliteStorage(Database db) {
        super(new SqliteLedger(db), new SqliteKeys(db), new SqliteAudit(db), new SqliteDeliveries(db));
        this.db = db;
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
    public Snapshot backup(Path target) {
        return Backup.write(db, target);
    }

    @Override
    public Archived archiveBefore(Instant cutoff, Path dir, ZoneId zone) {
        return new LedgerArchive(ledger(), writer(), dir, zone).archiveBefore(cutoff);
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
