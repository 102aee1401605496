package io.tekton.penia.engine;

import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The live views of budgets: each period's spend, hold, breaker and projection; what is left to spend. */
final class BudgetViews {
    private final EngineContext ctx;
    private final Counters counters;
    private final Holds holds;

    BudgetViews(EngineContext ctx, Counters counters, Holds holds) {
        this.ctx = ctx;
        this.counters = counters;
        this.holds = holds;
    }

    BudgetStatus status(String budgetId) {
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            holds.expireDue(now, c.events);
            return statusOf(counters.state(budgetId), now, c.events);
        });
    }

    List<BudgetStatus> statuses() {
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            holds.expireDue(now, c.events);
            List<BudgetStatus> out = new ArrayList<>();
            for (BudgetState s : counters.all()) {
                out.add(statusOf(s, now, c.events));
            }
            return out;
        });
    }

    private BudgetStatus statusOf(BudgetState s, Instant now, List<Runnable> events) {
        counters.roll(s, now, events);
        List<PeriodStatus> periods = new ArrayList<>();
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
            BudgetState.PeriodCounter c = e.getValue();
            periods.add(new PeriodStatus(e.getKey(), Money.ofMicros(c.spentMicros),
                    Money.ofMicros(s.reservedMicros), s.budget.limits().get(e.getKey()), c.window.start(),
                    c.window.end(), c.breakerOpen, Money.ofMicros(projected(c, now)),
                    ForecastAlerts.forecast(s, e.getKey(), c, now)));
        }
        return new BudgetStatus(s.budget, periods);
    }

    /** End-of-period spend at the burn rate so far in the period. */
    private static long projected(BudgetState.PeriodCounter c, Instant now) {
        long elapsed = Duration.between(c.window.start(), now).toMillis();
        long total = Duration.between(c.window.start(), c.window.end()).toMillis();
        if (elapsed <= 0) {
            return c.spentMicros;
        }
        return BigDecimal.valueOf(c.spentMicros).multiply(BigDecimal.valueOf(total))
                .divide(BigDecimal.valueOf(elapsed), 0, RoundingMode.HALF_UP).longValue();
    }

    /** See {@link BudgetEngine#remainingMicros(String, String, String, String)}. */
    Long remainingMicros(String component, String provider, String model, String taskType) {
        String type = UsageInput.taskType(taskType);
        String canonicalModel = CanonicalNames.model(provider, model);
        String canonicalProvider = CanonicalNames.provider(provider);
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            Long remaining = null;
            for (BudgetState s : counters.matching(component, canonicalProvider, canonicalModel, type)) {
                counters.roll(s, now, c.events);
                if (s.budget.enforcement() != Enforcement.BLOCK) {
                    continue;
                }
                for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
                    long stopAt = BigDecimal.valueOf(s.budget.limits().get(e.getKey()).micros())
                            .multiply(BigDecimal.valueOf(Math.min(100, s.budget.stopPercent())))
                            .divide(BigDecimal.valueOf(100), 0, RoundingMode.FLOOR).longValue();
                    long left = e.getValue().breakerOpen ? 0 : stopAt - e.getValue().spentMicros - s.reservedMicros;
                    remaining = remaining == null ? left : Math.min(remaining, left);
                }
            }
            return remaining;
        });
    }
}
