package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;
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
}
