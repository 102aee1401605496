package io.tekton.penia.engine.store;

/**
 * What both storage backends do alike: hand out their tables, and with their single writer start
 * it once (again only after it closed), hand it out once started, and close it before the
 * database. A backend gives its tables and says how to make its writer and close its database.
 *
 * @param <W> the backend's writer
 * @param <L> the backend's ledger
 */
public abstract class WriterStorage<W extends GroupCommitWriter<?>, L extends LedgerStore> implements Storage {
    private final L ledger;
    private final KeyTable keys;
    private final AuditTable audit;
    private final DeliveryTable deliveries;
    private W writer;

    protected WriterStorage(L ledger, KeyTable keys, AuditTable audit, DeliveryTable deliveries) {
        this.ledger = ledger;
        this.keys = keys;
        this.audit = audit;
        this.deliveries = deliveries;
    }

    /** A new writer over this storage's database. */
    protected abstract W newWriter(int queueCapacity, int maxBatch);

    /** Closes the database, after the writer. */
    protected abstract void closeDatabase();

    @Override
    public final synchronized CommitQueue startWriter(int queueCapacity, int maxBatch) {
        if (writer != null && !writer.closed()) {
            throw new IllegalStateException("the writer of " + location() + " is already started");
        }
        writer = newWriter(queueCapacity, maxBatch);
        return writer;
    }

    @Override
    public synchronized W writer() {
        if (writer == null) {
            throw new IllegalStateException("the writer of " + location() + " is not started (the engine starts it)");
        }
        return writer;
    }

    /** The writer, or null before it is started. */
    protected final synchronized W startedWriter() {
        return writer;
    }

    @Override
    public final L ledger() {
        return ledger;
    }

    @Override
    public final KeyTable keys() {
        return keys;
    }

    @Override
    public final AuditTable audit() {
        return audit;
    }

    @Override
    public final DeliveryTable deliveries() {
        return deliveries;
    }

    @Override
    public void close() {
        W w = startedWriter();
        if (w != null) {
            w.close();
        }
        closeDatabase();
    }
}
