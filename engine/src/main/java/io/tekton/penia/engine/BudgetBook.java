package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.store.Write;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Creating, changing and deleting budgets, and the defaults new budgets start with. */
final class BudgetBook {
    private final EngineContext ctx;
    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private volatile BudgetDefaults defaults;

    BudgetBook(EngineContext ctx, Counters counters, Holds holds, Breakers breakers) {
        this.ctx = ctx;
        this.counters = counters;
        this.holds = holds;
        this.breakers = breakers;
        this.defaults = new BudgetDefaults(ctx.cfg().defaultThresholds(), ctx.cfg().defaultWarningPercent(),
                ctx.cfg().defaultStopPercent(), ctx.cfg().defaultCooldown().toSeconds());
    }

    /** Back to the configured defaults (before a {@link #load} of a reload). */
    void clear() {
        defaults = new BudgetDefaults(ctx.cfg().defaultThresholds(), ctx.cfg().defaultWarningPercent(),
                ctx.cfg().defaultStopPercent(), ctx.cfg().defaultCooldown().toSeconds());
    }

    /** Loads the stored defaults, if they were ever changed. */
    void load() {
        ctx.store().getJsonSetting("defaults").ifPresent(m -> {
            List<Integer> t = new ArrayList<>();
            for (Object o : (List<?>) m.get("thresholds")) {
                t.add(((Number) o).intValue());
            }
            defaults = new BudgetDefaults(t, ((Number) m.get("warning_percent")).intValue(),
                    ((Number) m.get("stop_percent")).intValue(), ((Number) m.get("cooldown_seconds")).longValue());
        });
    }

    BudgetDefaults defaults() {
        return defaults;
    }

    List<Budget> budgets() {
        return ctx.lock().read(() -> counters.all().stream().map(s -> s.budget).toList());
    }

    int seedIfEmpty(List<BudgetSpec> seed) {
        if (ctx.store().hasAnyBudgetEverBeenStored()) {
            return 0;
        }
        for (BudgetSpec s : seed) {
            create(s);
        }
        return seed.size();
    }

    Budget create(BudgetSpec spec) {
        Instant now = counters.now();
        String id = spec.budgetId() != null ? spec.budgetId() : Ids.next("bud", now.toEpochMilli());
        UsageInput.name("budget_id", id, true);
        Budget b = BudgetRules.build(spec, null, id, defaults, now);
        return ctx.lock().mutate(c -> {
            if (counters.contains(id)) {
                throw new PeniaException(ErrorCode.CONFLICT, "budget '" + id + "' already exists", Map.of("budget_id", id));
            }
            ctx.lock().requireRoom();
            BudgetState s = new BudgetState(b);
            counters.put(id, s);
            counters.roll(s, now, c.events);
            c.write(ctx.store().upsertBudget(b));
            // No budget holds the id: whatever is still kept under it is an earlier budget's
            // (a database written before deletes retired it); the new budget starts clean.
            retire(id, c.writes);
            c.undo(() -> counters.remove(id));
            c.afterCommit(() -> ctx.listeners().budgetChanged(id));
            return b;
        });
    }

    Budget update(String id, BudgetSpec spec) {
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            BudgetState s = counters.state(id);
            Budget before = s.budget;
            Budget after = BudgetRules.build(spec, before, id, defaults, now);
            ctx.lock().requireRoom();
            Map<Period, BudgetState.PeriodCounter> oldPeriods = new EnumMap<>(s.periods);
            s.budget = after;
            s.periods.clear();
            counters.roll(s, now, c.events);
            c.write(ctx.store().upsertBudget(after));
            breakers.keep(s, oldPeriods, now, c.writes);
            c.undo(() -> {
                BudgetState u = counters.get(id);
                if (u != null) {
                    u.budget = before;
                    u.periods.clear();
                    counters.roll(u, now, new ArrayList<>());
                    Breakers.restore(u, oldPeriods);
                }
            });
            c.afterCommit(() -> ctx.listeners().budgetChanged(id));
            return after;
        });
    }

    Budget delete(String id) {
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            BudgetState removed = counters.state(id);
            ctx.lock().requireRoom();
            counters.remove(id);
            c.write(ctx.store().deleteBudget(id, now));
            Runnable unretire = retire(id, c.writes);
            c.undo(() -> {
                counters.put(id, removed);
                unretire.run();
            });
            c.afterCommit(() -> ctx.listeners().budgetChanged(id));
            return removed.budget;
        });
    }

    /** Applies new default thresholds to every budget and to budgets created later. */
    BudgetDefaults setDefaults(BudgetDefaults d) {
        BudgetRules.checkThresholds(d.thresholds(), d.warningPercent(), d.stopPercent(), d.cooldownSeconds());
        EngineLock.await(ctx.writer().submit(ctx.store().putJsonSetting("defaults", Map.of(
                "thresholds", d.thresholds(), "warning_percent", d.warningPercent(),
                "stop_percent", d.stopPercent(), "cooldown_seconds", d.cooldownSeconds()))));
        defaults = d;
        for (Budget b : budgets()) {
            update(b.budgetId(), BudgetSpec.builder().warningPercent(d.warningPercent())
                    .stopPercent(d.stopPercent()).alertThresholds(d.thresholds()).cooldownSeconds(d.cooldownSeconds())
                    .build());
        }
        return d;
    }

    /**
     * Parts a budget id from its budget's holds, breakers and fired alerts (issue 17): called
     * under the lock when the budget is deleted, and when a budget is created under an id
     * nothing live holds. Each active hold naming the id is detached from it (its share for
     * that budget is released; it stays open for the other budgets it counts against, and
     * settling it later books the usage like any record); the breakers go; fired alerts stay
     * as history but no longer dedupe. A budget created again under the id thus starts clean,
     * and so does it after a restart. Adds the writes; returns what undoes it in memory.
     */
    private Runnable retire(String id, List<Write> writes) {
        Runnable undoHolds = holds.detach(id, writes);
        Map<String, AlertBook.Fired> fired = breakers.alerts.retire(id);
        writes.add(ctx.store().retireBudgetState(id));
        return () -> {
            undoHolds.run();
            breakers.alerts.restore(fired);
        };
    }
}
