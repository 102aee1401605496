package io.tekton.penia.engine;

import io.tekton.penia.engine.forecast.Finding;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.monitor.Reason;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Write;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The circuit breakers of budget periods and the alerts raised with them: what happens after
 * a counter changes (thresholds crossed, a breaker opened at the stop), carried through a
 * budget update, reset by an admin, loaded at start. Guarded by the engine lock.
 */
final class Breakers {
    private final LedgerStore store;
    private final Listeners listeners;
    final AlertBook alerts;
    private volatile AlertOutbox outbox = AlertOutbox.none();

    Breakers(LedgerStore store, Listeners listeners) {
        this.store = store;
        this.listeners = listeners;
        this.alerts = new AlertBook(store);
    }

    void setOutbox(AlertOutbox o) {
        this.outbox = o;
    }

    /** Loads the stored breakers of the current windows into the counters. */
    void load(List<LedgerStore.StoredBreaker> stored, Counters counters) {
        for (LedgerStore.StoredBreaker b : stored) {
            BudgetState s = counters.get(b.budgetId());
            BudgetState.PeriodCounter c = s == null ? null : s.periods.get(b.period());
            if (c != null && c.window.start().equals(b.periodStart())) {
                c.breakerOpen = "open".equals(b.state());
                c.breakerChangedAt = b.changedAt();
                c.resetSpentMicros = b.resetSpentMicros();
            }
        }
    }

    /**
     * After a change to a budget's counters: raises the alerts of the thresholds crossed since
     * {@code before} (spent + reserved per period) and opens the breaker of a period whose
     * spend reached the stop.
     */
    void afterChange(BudgetState s, Map<Period, Long> before, Instant now, boolean countRepeats,
                     AlertBook.Outcome out) {
        Budget b = s.budget;
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
            Period p = e.getKey();
            BudgetState.PeriodCounter c = e.getValue();
            Money limit = b.limits().get(p);
            long used = c.spentMicros + s.reservedMicros;
            alerts.evaluate(b, p, c.window.start(), limit, before.getOrDefault(p, used), used, c.spentMicros, now,
                    countRepeats, out, outbox);
            if (!c.breakerOpen && Monitors.atOrAbove(c.spentMicros, limit.micros(), b.stopPercent())
                    && (c.resetSpentMicros == null || c.spentMicros > c.resetSpentMicros)) {
                c.breakerOpen = true;
                c.breakerChangedAt = now;
                out.writes().add(store.upsertBreaker(b.budgetId(), p, c.window.start(), "open", now, c.resetSpentMicros));
                Money spent = Money.ofMicros(c.spentMicros);
                listeners.breakerLater(() -> listeners.fire(l -> l.onBreaker(b.budgetId(), p, true, spent, limit)));
            }
        }
    }

    /** Raises the "operation blocked" alert of a blocking reason. */
    void blocked(BudgetState s, Reason r, Instant now, AlertBook.Outcome out) {
        alerts.blocked(s.budget, r.period(), s.periods.get(r.period()).window.start(), r.monitor(), r.detail(), now,
                out, outbox);
    }

    /** Raises the projected-overrun alerts of a budget's forecasts (issue 25). */
    void forecast(BudgetState s, Instant now, ForecastConfig fc, AlertBook.Outcome out) {
        ForecastAlerts.evaluate(s, now, fc, alerts, out, outbox);
    }

    /** Raises the alerts of the anomaly watch's findings, once per cooldown (issue 25). */
    void anomalies(List<Finding> findings, Duration cooldown, Instant now, AlertBook.Outcome out) {
        ForecastAlerts.anomalies(findings, cooldown, now, alerts, out, outbox);
    }

    /** Raises the "unpriced usage" alert of a model without a price, once per cooldown. */
    void unpriced(String provider, String model, Duration cooldown, Instant now, AlertBook.Outcome out) {
        alerts.unpriced(provider, model, cooldown, now, out, outbox);
    }

    /**
     * Carries the breakers of an updated budget into its recomputed periods (the same window
     * only), and makes every change durable so that a restart finds what the live server has:
     * a breaker the update released (a raised limit or stop percent leaves the spend below the
     * stop) closes, one still at or above the stop stays open, and one of a period no longer
     * limited closes (issue 17, item 2).
     */
    void keep(BudgetState s, Map<Period, BudgetState.PeriodCounter> old, Instant now,
              List<Write> writes) {
        String id = s.budget.budgetId();
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : old.entrySet()) {
            Period p = e.getKey();
            BudgetState.PeriodCounter was = e.getValue();
            BudgetState.PeriodCounter c = s.periods.get(p);
            if (c != null && c.window.start().equals(was.window.start())) {
                c.resetSpentMicros = was.resetSpentMicros;
                c.breakerChangedAt = was.breakerChangedAt;
                if (!was.breakerOpen) {
                    continue;
                }
                if (Monitors.atOrAbove(c.spentMicros, s.budget.limits().get(p).micros(), s.budget.stopPercent())) {
                    c.breakerOpen = true;
                    continue;
                }
                c.breakerChangedAt = now;
                writes.add(store.upsertBreaker(id, p, c.window.start(), "closed", now, c.resetSpentMicros));
            } else if (was.breakerOpen) {
                writes.add(store.upsertBreaker(id, p, was.window.start(), "closed", now, was.resetSpentMicros));
            }
        }
    }

    /** Puts the breakers of {@code old} back into the same windows of the budget's periods (an undone update). */
    static void restore(BudgetState s, Map<Period, BudgetState.PeriodCounter> old) {
        old.forEach((p, was) -> {
            BudgetState.PeriodCounter c = s.periods.get(p);
            if (c != null && c.window.start().equals(was.window.start())) {
                c.breakerOpen = was.breakerOpen;
                c.breakerChangedAt = was.breakerChangedAt;
                c.resetSpentMicros = was.resetSpentMicros;
            }
        });
    }

    /**
     * Closes the breaker of every period of the budget (or of one); it reopens only on new
     * spend above what it has now. Adds the writes and undo steps; returns the periods reset.
     */
    List<String> reset(BudgetState s, Period onlyPeriod, Instant now, Change change) {
        List<String> reset = new ArrayList<>();
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
            if (onlyPeriod != null && e.getKey() != onlyPeriod) {
                continue;
            }
            BudgetState.PeriodCounter c = e.getValue();
            boolean wasOpen = c.breakerOpen;
            Instant wasChanged = c.breakerChangedAt;
            Long wasReset = c.resetSpentMicros;
            change.undo(() -> {
                c.breakerOpen = wasOpen;
                c.breakerChangedAt = wasChanged;
                c.resetSpentMicros = wasReset;
            });
            if (c.breakerOpen) {
                Period p = e.getKey();
                String id = s.budget.budgetId();
                Money spent = Money.ofMicros(c.spentMicros);
                Money limit = s.budget.limits().get(p);
                change.afterCommit(() -> listeners.fire(l -> l.onBreaker(id, p, false, spent, limit)));
            }
            c.breakerOpen = false;
            c.breakerChangedAt = now;
            c.resetSpentMicros = c.spentMicros;
            reset.add(e.getKey().wireName());
            change.write(store.upsertBreaker(s.budget.budgetId(), e.getKey(), c.window.start(), "closed", now,
                    c.spentMicros));
        }
        return reset;
    }

    /** Open breakers across the budgets. */
    static int open(Iterable<BudgetState> budgets) {
        int open = 0;
        for (BudgetState s : budgets) {
            for (BudgetState.PeriodCounter c : s.periods.values()) {
                open += c.breakerOpen ? 1 : 0;
            }
        }
        return open;
    }
}
