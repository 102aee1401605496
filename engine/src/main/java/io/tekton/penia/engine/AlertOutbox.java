package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.store.Write;

import java.util.List;

/**
 * Extra writes committed in the same transaction as a new alert (the delivery outbox of
 * alert channels), so an alert and its pending deliveries are durable together.
 */
@FunctionalInterface
public interface AlertOutbox {
    List<Write> writesFor(Alert alert, Budget budgetOrNull);

    static AlertOutbox none() {
        return (a, b) -> List.of();
    }
}
