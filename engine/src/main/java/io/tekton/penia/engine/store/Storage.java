package io.tekton.penia.engine.store;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * The storage port: what the engine and the server need from a database. Its tables make
 * {@link Write}s and answer reads; its {@link CommitQueue} (started by the engine with its
 * tuning) commits the writes. Opened by {@link #open(StorageConfig)}: SQLite ({@code store.sqlite})
 * or PostgreSQL ({@code store.postgres}, for a {@code postgresql://}, {@code postgres://} or
 * {@code jdbc:postgresql://} URL). Backups, retention and vacuum are capabilities a backend may
 * lack: it refuses them with a clear error rather than doing something else.
 */
public interface Storage extends AutoCloseable {

    /** Opens (creating and migrating when needed) the storage the configuration names. */
    static Storage open(StorageConfig cfg) {
        return switch (cfg.backend()) {
            case "sqlite" -> io.tekton.penia.engine.store.sqlite.SqliteStorage.open(cfg.sqliteFile(), cfg.poolSize());
            case "postgresql" -> io.tekton.penia.engine.store.postgres.PgStorage.open(cfg.postgresUrl(), cfg.poolSize());
            default -> throw new IllegalArgumentException("unknown storage backend '" + cfg.backend() + "' in " + cfg);
        };
    }

    /** Copies the database of a storage that no process has open (the caller holds its lock) to a new file. */
    static Snapshot copyOffline(StorageConfig cfg, Path target) {
        return switch (cfg.backend()) {
            case "sqlite" -> io.tekton.penia.engine.store.sqlite.Backup.copyFile(cfg.sqliteFile(), target);
            default -> throw new IllegalArgumentException("offline backups are not supported by the " + cfg.backend()
                    + " storage");
        };
    }

    /** What a backup file (a SQLite copy, as {@link #backup} writes) holds. */
    static Snapshot inspectBackup(Path file) {
        return io.tekton.penia.engine.store.sqlite.Backup.inspect(file);
    }

    /** Where the data lives (a file or a server), for messages. */
    String location();

    /** True when a trivial query answers. */
    boolean isUsable();

    /** Starts the single writer (once); the engine does at its start, with its queue capacity and batch size. */
    CommitQueue startWriter(int queueCapacity, int maxBatch);

    /** The writer {@link #startWriter} started. */
    CommitQueue writer();

    /** The usage ledger, holds, budgets, alerts, breakers, settings and price versions. */
    LedgerStore ledger();

    /** The API keys. */
    KeyTable keys();

    /** The audit trail. */
    AuditTable audit();

    /** The alert-delivery outbox. */
    DeliveryTable deliveries();

    // ---- capabilities a backend may lack --------------------------------------------------

    /** What a copy holds: its schema version and the ledger totals (from the rollups) at its instant. */
    record Snapshot(Path file, long sizeBytes, int schemaVersion, long costMicros, long inputTokens,
                    long outputTokens, long records, long ledgerRows) {
    }

    /** Writes a consistent copy of the live database to {@code target} (a new file). */
    default Snapshot backup(Path target) {
        throw unsupported("backups");
    }

    /** One month's part of an archive run: its file, the rows moved there and their cost. */
    record ArchivedMonth(String month, Path file, long rows, long costMicros) {
    }

    /** What one archive run moved; rows before {@code archivedBefore} are no longer in the live ledger. */
    record Archived(Instant archivedBefore, List<ArchivedMonth> months, long rows) {
    }

    /** Moves the ledger rows before {@code cutoff} (a month's start in {@code zone}) to monthly files in {@code dir}. */
    default Archived archiveBefore(Instant cutoff, Path dir, ZoneId zone) {
        throw unsupported("ledger retention");
    }

    /** The vacuum mode ({@code none}, {@code full}, {@code incremental}) and pages before and after. */
    record Vacuumed(String autoVacuum, long freedPages, long freePagesLeft, long pageSizeBytes) {
    }

    /** Gives at most {@code maxPages} free pages back to the file system. */
    default Vacuumed vacuum(long maxPages) {
        throw unsupported("vacuum");
    }

    /** The refusal of a capability this backend does not have. */
    default PeniaException unsupported(String what) {
        return new PeniaException(ErrorCode.INVALID_ARGUMENT, "the storage at " + location() + " does not support "
                + what, Map.of("storage", location()));
    }

    /** Stops the writer if it still runs (committing what is queued), then closes the connections. */
    @Override
    void close();
}
