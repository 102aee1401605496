package io.tekton.penia.engine;

import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.StoreException;

import java.time.Duration;
import java.time.Instant;

/**
 * Loading the engine's in-memory state from the ledger, at open and at a reload (a new leader of
 * several instances): budgets, the counters of the current periods from the rollups, breakers,
 * live holds, the alerts fired in the rollup window; then due holds are expired. {@link #clear}
 * forgets all of it first (each part its own state) for a reload.
 */
final class EngineState {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());

    private final LedgerStore store;
    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private final BudgetBook book;
    private final Recorder recorder;
    private final Guardrail guardrail;

    EngineState(LedgerStore store, Counters counters, Holds holds, Breakers breakers, BudgetBook book,
                Recorder recorder, Guardrail guardrail) {
        this.store = store;
        this.counters = counters;
        this.holds = holds;
        this.breakers = breakers;
        this.book = book;
        this.recorder = recorder;
        this.guardrail = guardrail;
    }

    void load(Instant now) {
        book.load();
        counters.load(now);
        breakers.load(store.loadBreakers(), counters);
        holds.load(store.loadActiveReservations());
        breakers.alerts.load(store.loadAlertsSince(
                Instant.ofEpochSecond(counters.rollups.windowStartSecond()).minus(Duration.ofDays(1))));
        try {
            guardrail.sweep();
        } catch (StoreException e) {
            // The writer refuses (an instance of several that does not lead, or a database fault):
            // the due holds stay live in memory and the next sweep expires them.
            LOG.log(System.Logger.Level.WARNING, "expiring due holds at load failed: " + e.getMessage());
        }
    }

    void clear(Instant now) {
        recorder.clear();
        holds.clear();
        breakers.alerts.clear();
        counters.clear(now);
        book.clear();
    }
}
