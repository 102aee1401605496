package io.tekton.penia.engine.store;

/**
 * One durable change, opaque to its callers: made by a {@link Storage}'s tables (the ledger,
 * keys, audit, deliveries) and run by that storage's {@link CommitQueue} inside one of its
 * transactions. A backend knows its own kind of write and refuses any other.
 */
public interface Write {

    /** Several writes as one: applied in order in one transaction, all or none. */
    static Write all(java.util.List<? extends Write> writes) {
        return new All(java.util.List.copyOf(writes));
    }

    /** See {@link #all}. */
    record All(java.util.List<Write> writes) implements Write {
    }
}
