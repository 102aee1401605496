package io.tekton.penia.engine.store;

import java.util.List;

/**
 * One durable change, opaque to its callers: made by a {@link Storage}'s tables (the ledger,
 * keys, audit, deliveries) and run by that storage's {@link CommitQueue} inside one of its
 * transactions. A backend knows its own kind of write and refuses any other.
 */
public interface Write {

    /** Several writes as one: applied in order in one transaction, all or none. */
    static Write all(List<? extends Write> writes) {
        return new All(List.copyOf(writes));
    }

    /** See {@link #all}. */
    record All(List<Write> writes) implements Write {
    }
}
