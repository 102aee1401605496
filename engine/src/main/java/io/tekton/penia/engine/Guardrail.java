package io.tekton.penia.engine;

import io.tekton.penia.engine.forecast.AnomalyConfig;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Period;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The guardrail's passes over every budget: the periodic evaluation (roll periods, open
 * breakers, raise alerts), an admin's breaker reset, and the sweeper's hold expiry and
 * rollup-window advance.
 */
final class Guardrail {
    private final EngineContext ctx;
    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private final BudgetBook book;
    /** How projected-overrun alerts behave (issue 25); guarded by the lock. */
    private ForecastConfig forecastCfg = ForecastConfig.defaults();

    Guardrail(EngineContext ctx, Counters counters, Holds holds, Breakers breakers, BudgetBook book) {
        this.ctx = ctx;
        this.counters = counters;
        this.holds = holds;
        this.breakers = breakers;
        this.book = book;
    }

    /** See {@link BudgetEngine#configureForecasting}. */
    void configureForecasting(ForecastConfig f, AnomalyConfig a) {
        ctx.lock().read(() -> {
            forecastCfg = f;
            counters.anomalies.configure(a);
            return null;
        });
    }

    /** See {@link BudgetEngine#evaluateAll(boolean)}. */
    List<Alert> evaluateAll(boolean countRepeats) {
        Instant now = ctx.now();
        return ctx.lock().mutate(c -> {
            holds.expireDue(now, c.events);
            ctx.lock().requireRoom();
            for (BudgetState s : counters.all()) {
                if (s.budget.active()) {
                    counters.roll(s, now, c.events);
                    breakers.afterChange(s, Counters.used(s), now, countRepeats, c.out);
                    breakers.forecast(s, now, forecastCfg, c.out);
                }
            }
            counters.anomalies.advanceTo(now.getEpochSecond());
            breakers.anomalies(counters.anomalies.drain(), Duration.ofSeconds(book.defaults().cooldownSeconds()), now,
                    c.out);
            return c.out.alerts();
        });
    }

    /** Closes the breaker of every period of a budget, or of one; returns the periods reset. */
    List<String> resetBreaker(String budgetId, Period onlyPeriod, Instant now) {
        return ctx.lock().mutate(c -> {
            BudgetState s = counters.state(budgetId);
            ctx.lock().requireRoom();
            counters.roll(s, now, new ArrayList<>());
            List<String> periods = breakers.reset(s, onlyPeriod, now, c);
            c.submit();
            c.afterCommit(() -> ctx.listeners().budgetChanged(budgetId));
            return periods;
        });
    }

    /** Expires due holds; at a new month or week, drops what the rollups and alerts no longer need. */
    void sweep() {
        Instant now = ctx.now();
        ctx.lock().mutate(c -> {
            holds.expireDue(now, c.events);
            Instant ws = counters.windowStart(now);
            if (ws.getEpochSecond() > counters.rollups.windowStartSecond()) {
                counters.rollups.advanceWindow(ws);
                breakers.alerts.prune(ws);
                // Profiles are rebuilt from the new window, as a restart would build them.
                counters.all().forEach(s -> s.profile = null);
            }
            return null;
        });
    }
}
