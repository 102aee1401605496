package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The engine's listeners; each told of committed changes, one failing never stops the others. */
final class Listeners {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());

    private final List<EngineListener> all = new CopyOnWriteArrayList<>();

    void add(EngineListener l) {
        all.add(l);
    }

    void fire(Consumer<EngineListener> event) {
        for (EngineListener l : all) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "listener failed", e);
            }
        }
    }

    void budgetChanged(String budgetId) {
        fire(l -> l.onBudgetChanged(budgetId));
    }

    void publish(List<Alert> raised) {
        for (Alert a : raised) {
            fire(l -> l.onAlert(a));
        }
    }
}
