package io.tekton.penia.engine;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The engine's background thread: hold expiry and window advance every 100 ms ({@link
 * Guardrail#sweep}) and the guardrail's periodic evaluation ({@link Guardrail#evaluateAll}), each
 * run only while {@link #runWhen} says so (only the leader of several instances runs them). A
 * failed pass is logged and the next one runs as planned.
 */
final class Background implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());
    private static final long SWEEP_EVERY_MS = 100;

    private final Guardrail guardrail;
    private final Duration evaluationInterval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "penia-engine-sweeper");
        t.setDaemon(true);
        return t;
    });
    private volatile BooleanSupplier runWhen = () -> true;

    Background(Guardrail guardrail, Duration evaluationInterval) {
        this.guardrail = guardrail;
        this.evaluationInterval = evaluationInterval;
    }

    void start() {
        scheduler.scheduleWithFixedDelay(() -> safely("sweep", guardrail::sweep), SWEEP_EVERY_MS, SWEEP_EVERY_MS,
                TimeUnit.MILLISECONDS);
        long every = Math.max(1, evaluationInterval.toMillis());
        scheduler.scheduleWithFixedDelay(() -> safely("periodic evaluation", () -> guardrail.evaluateAll(false)),
                every, every, TimeUnit.MILLISECONDS);
    }

    void runWhen(BooleanSupplier leading) {
        this.runWhen = leading;
    }

    private void safely(String what, Runnable pass) {
        if (!runWhen.getAsBoolean()) {
            return;
        }
        try {
            pass.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, what + " failed", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
