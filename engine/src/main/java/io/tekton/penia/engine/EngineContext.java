package io.tekton.penia.engine;

import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** What every part of the engine shares: its config, the ledger, the lock, the listeners, the totals. */
record EngineContext(EngineConfig cfg, LedgerStore store, CommitQueue writer, EngineLock lock, Listeners listeners,
                     EngineStats stats) {

    /** The engine's time, in the millisecond precision the ledger stores. */
    Instant now() {
        return cfg.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
