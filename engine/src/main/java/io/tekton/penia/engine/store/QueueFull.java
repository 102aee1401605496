package io.tekton.penia.engine.store;

/** The commit queue was full: the write was refused and not applied; it may be tried again shortly. */
public final class QueueFull extends IllegalStateException {
    public QueueFull(int capacity) {
        super("ledger writer queue full (capacity=" + capacity + ")");
    }
}
