package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;

/**
 * Told of every change after it is committed. Called on the engine caller's thread:
 * implementations must only enqueue, never block.
 */
public interface EngineListener {
    default void onUsage(UsageRecord record) {
    }

    default void onBudgetChanged(String budgetId) {
    }

    default void onAlert(Alert alert) {
    }

    default void onReservation(Reservation reservation) {
    }

    /** A check's decision, after any hold it made is committed (metrics and logs). */
    default void onCheck(CheckInput input, CheckResult result) {
    }

    /**
     * A budget period's circuit breaker opened (spend reached the stop) or closed (reset, or a
     * new period began); {@code spent} and {@code limit} of that period at that moment.
     */
    default void onBreaker(String budgetId, Period period, boolean open, Money spent, Money limit) {
    }
}
