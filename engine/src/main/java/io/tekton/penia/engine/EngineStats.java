package io.tekton.penia.engine;


import io.tekton.penia.engine.store.CommitQueue;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** The engine's running totals for /health, /metrics and the status endpoints. */
final class EngineStats {
    final AtomicLong recordsTotal = new AtomicLong();
    final AtomicLong costTotalMicros = new AtomicLong();
    final AtomicLong checksTotal = new AtomicLong();
    final AtomicLong blocksTotal = new AtomicLong();
    final AtomicLong reservationsExpired = new AtomicLong();

    /** The figures now; called under the engine lock. */
    EngineFigures snapshot(Counters counters, Holds holds, AlertBook alerts, CommitQueue writer,
                                Instant startedAt) {
        int active = 0;
        for (BudgetState s : counters.all()) {
            active += s.budget.active() ? 1 : 0;
        }
        return new EngineFigures(counters.all().size(), active, holds.size(), recordsTotal.get(),
                costTotalMicros.get(), checksTotal.get(), blocksTotal.get(), reservationsExpired.get(),
                alerts.raisedTotal(), alerts.suppressedTotal(), Breakers.open(counters.all()), writer.commits(),
                writer.writes(), writer.failures(), writer.queued(), writer.walFrames(), writer.walRestarts(),
                startedAt);
    }
}
