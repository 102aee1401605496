package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Period;

import java.time.Instant;
import java.util.EnumMap;

/** A budget with its live counters. Mutable; guarded by the engine lock. */
final class BudgetState {
    /** The spend of one current period, and its circuit breaker. */
    static final class PeriodCounter {
        Period.Window window;
        long spentMicros;
        boolean breakerOpen;
        Instant breakerChangedAt;
        /** Spend when an admin last closed the breaker; it reopens only above this. */
        Long resetSpentMicros;
    }

    Budget budget;
    long reservedMicros;
    final EnumMap<Period, PeriodCounter> periods = new EnumMap<>(Period.class);
    /** The scope's hourly spend profile for forecasts (issue 25), and the scope it was built for. */
    io.tekton.penia.engine.forecast.SpendProfile profile;
    io.tekton.penia.engine.model.Scope profileScope;

    BudgetState(Budget budget) {
        this.budget = budget;
    }
}
