package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The engine's listeners; each told of committed changes, one failing never stops the others. */
final class Listeners {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());

    private final List<EngineListener> all = new CopyOnWriteArrayList<>();
    /** Breakers opened under the lock, told to the listeners by the next {@link #publish} after their commit. */
    private final java.util.Queue<Runnable> breakerEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();

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

    /** Tells the listeners of a breaker's change at the next {@link #publish} (after the commit). */
    void breakerLater(Runnable event) {
        breakerEvents.add(event);
    }

    void publish(List<Alert> raised) {
        for (Runnable r; (r = breakerEvents.poll()) != null; ) {
            r.run();
        }
        for (Alert a : raised) {
            fire(l -> l.onAlert(a));
        }
    }
}
