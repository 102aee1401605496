package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.forecast.AnomalyConfig;
import io.tekton.penia.engine.forecast.AnomalyWatch;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live budgets and their counters: the budget map, the in-memory rollups of the current
 * month and week, the ledger's totals; rolling periods, applying a record, finding the budgets
 * a usage matches. Guarded by the engine lock.
 */
final class Counters {
    private final EngineContext ctx;
    private final Map<String, BudgetState> budgets = new LinkedHashMap<>();
    final RollupIndex rollups;
    /** Spend rates per component/provider/model for the anomaly alerts (issue 25); guarded by the lock. */
    final AnomalyWatch anomalies;
    /**
     * The whole ledger's cost (micros), input and output tokens; guarded by the lock. Kept at
     * most {@link Money#MAX_MICROS} and {@link UsageInput#MAX_LEDGER_TOKENS}: a record that would
     * pass them is refused, so no counter or sum of any part of the ledger can overflow.
     */
    private final long[] ledgerTotals = new long[3];

    Counters(EngineContext ctx, Instant startedAt) {
        this.ctx = ctx;
        this.rollups = new RollupIndex(windowStart(startedAt), ctx.cfg().zone());
        this.anomalies = new AnomalyWatch(AnomalyConfig.defaults(), ctx.cfg().zone());
    }

    /** The engine's time, in the millisecond precision the ledger stores. */
    Instant now() {
        return ctx.now();
    }

    /** The first second the rollups hold in memory: the earlier of this month's and this week's start. */
    Instant windowStart(Instant now) {
        Instant m = Period.MONTHLY.start(now, ctx.cfg().zone());
        Instant w = Period.WEEKLY.start(now, ctx.cfg().zone());
        return m.isBefore(w) ? m : w;
    }

    /** Forgets the budgets, rollups, spend watches and totals (before a {@link #load} of a reload). */
    void clear(Instant now) {
        budgets.clear();
        rollups.clear(windowStart(now));
        anomalies.clear();
        java.util.Arrays.fill(ledgerTotals, 0);
    }

    /** Loads the rollups of the window, the ledger's totals and the live budgets, each rolled to {@code now}. */
    void load(Instant now) {
        rollups.load(ctx.store().loadRollups(Instant.ofEpochSecond(rollups.windowStartSecond()),
                Instant.parse("9999-01-01T00:00:00Z")));
        rollups.forEachBucket(Long.MIN_VALUE, Long.MAX_VALUE, (bucket, d, a) ->
                anomalies.seed(d.component(), d.provider(), d.model(), bucket));
        System.arraycopy(ctx.store().ledgerTotals(), 0, ledgerTotals, 0, ledgerTotals.length);
        Invariants.ledgerTotalsNonNegative(ledgerTotals, "load");
        for (Budget b : ctx.store().loadBudgets()) {
            budgets.put(b.budgetId(), new BudgetState(b));
        }
        for (BudgetState s : budgets.values()) {
            roll(s, now, new ArrayList<>());
            checkAgainstRollups(s);
        }
    }

    /**
     * After load: each period's spend (summed by whole days) equals the sum of the rollups'
     * 15-minute buckets in its window, and is not negative.
     */
    private void checkAgainstRollups(BudgetState s) {
        Invariants.countersNonNegative(s, "load");
        s.periods.forEach((p, c) -> {
            long[] sum = new long[1];
            rollups.forEach(c.window.start(), c.window.end(), (bucket, d, a) -> {
                if (s.budget.scope().matches(d.component(), d.provider(), d.model(), d.taskType())) {
                    sum[0] = Math.addExact(sum[0], a.costMicros);
                }
            });
            Invariants.spentMatchesRollups(s, p, sum[0]);
        });
    }

    BudgetState get(String id) {
        return budgets.get(id);
    }

    /** The budget's live state; not found is a 404. */
    BudgetState state(String id) {
        BudgetState s = budgets.get(id);
        if (s == null) {
            throw PeniaException.notFound("budget", id);
        }
        return s;
    }

    boolean contains(String id) {
        return budgets.containsKey(id);
    }

    Collection<BudgetState> all() {
        return budgets.values();
    }

    void put(String id, BudgetState s) {
        budgets.put(id, s);
    }

    void remove(String id) {
        budgets.remove(id);
    }

    /** Brings every limited period of the budget to the window that contains {@code now}. */
    void roll(BudgetState s, Instant now, List<Runnable> events) {
        ForecastAlerts.ensureProfile(s, rollups, ctx.cfg().zone());
        s.periods.keySet().removeIf(p -> !s.budget.limits().containsKey(p));
        for (Period p : s.budget.limits().keySet()) {
            BudgetState.PeriodCounter c = s.periods.get(p);
            if (c != null && c.window.contains(now)) {
                continue;
            }
            boolean wasOpen = c != null && c.breakerOpen;
            c = new BudgetState.PeriodCounter();
            c.window = p.window(now, ctx.cfg().zone());
            c.spentMicros = rollups.sumCost(s.budget.scope(), c.window.start(), c.window.end());
            s.periods.put(p, c);
            if (wasOpen) {
                // A new period closes the breaker of the old one.
                BudgetState.PeriodCounter closed = c;
                // Not waited for under the lock; refused (writer full), the load ignores a breaker stored for an earlier window.
                ctx.writer().offer(ctx.store().upsertBreaker(s.budget.budgetId(), p, closed.window.start(), "closed", now, null));
                String id = s.budget.budgetId();
                events.add(() -> ctx.listeners().budgetChanged(id));
                Money spent = Money.ofMicros(c.spentMicros);
                Money limit = s.budget.limits().get(p);
                events.add(() -> ctx.listeners().fire(l -> l.onBreaker(id, p, false, spent, limit)));
            }
        }
    }

    /** The active budgets whose scope matches the usage's dimensions. */
    List<BudgetState> matching(String component, String provider, String model, String taskType) {
        List<BudgetState> out = new ArrayList<>();
        for (BudgetState s : budgets.values()) {
            if (s.budget.active() && s.budget.scope().matches(component, provider, model, taskType)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The matched budgets and then the active ones of {@code ids} not among them. */
    Collection<BudgetState> union(List<BudgetState> a, List<String> ids) {
        LinkedHashMap<String, BudgetState> m = new LinkedHashMap<>();
        for (BudgetState s : a) {
            m.put(s.budget.budgetId(), s);
        }
        for (String id : ids) {
            BudgetState s = budgets.get(id);
            if (s != null && s.budget.active()) {
                m.putIfAbsent(id, s);
            }
        }
        return m.values();
    }

    /** Snapshot of (spent + reserved) per period, before a change, for crossing detection. */
    static Map<Period, Long> used(BudgetState s) {
        Map<Period, Long> m = new HashMap<>();
        s.periods.forEach((p, c) -> m.put(p, c.spentMicros + s.reservedMicros));
        return m;
    }

    /** Adds ({@code sign} +1) or removes (-1) a record from the rollups and the counters. */
    void apply(UsageRecord rec, int sign) {
        long cost = sign * rec.cost().micros();
        ledgerTotals[0] = Math.addExact(ledgerTotals[0], cost);
        ledgerTotals[1] = Math.addExact(ledgerTotals[1], sign * rec.inputTokens());
        ledgerTotals[2] = Math.addExact(ledgerTotals[2], sign * rec.outputTokens());
        rollups.add(LedgerStore.bucketOf(rec.timestamp()), rec.component(), rec.provider(), rec.model(), rec.taskType(),
                cost, sign * rec.inputTokens(), sign * rec.outputTokens(), sign);
        anomalies.add(rec.component(), rec.provider(), rec.model(), rec.taskType(), rec.timestamp().getEpochSecond(), cost);
        for (BudgetState s : budgets.values()) {
            if (!s.budget.scope().matches(rec.component(), rec.provider(), rec.model(), rec.taskType())) {
                continue;
            }
            for (BudgetState.PeriodCounter c : s.periods.values()) {
                if (c.window.contains(rec.timestamp())) {
                    c.spentMicros = Math.addExact(c.spentMicros, cost);
                }
            }
            // The profile holds what a restart rebuilds it from: the rollup window, nothing older.
            if (s.profile != null && LedgerStore.bucketOf(rec.timestamp()) >= rollups.windowStartSecond()) {
                s.profile.add(rec.timestamp().getEpochSecond(), cost);
            }
            Invariants.countersNonNegative(s, sign > 0 ? "apply" : "undo of apply");
        }
        Invariants.ledgerTotalsNonNegative(ledgerTotals, sign > 0 ? "apply" : "undo of apply");
    }

    /**
     * Refuses a record that would take the ledger's total cost past {@link Money#MAX_MICROS} or
     * its input or output tokens past {@link UsageInput#MAX_LEDGER_TOKENS}; changes nothing.
     */
    void checkLedgerRoom(UsageRecord rec) {
        if (rec.cost().micros() > Money.MAX_MICROS - ledgerTotals[0]) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "cost: the record would take the ledger's total cost"
                    + " past " + Money.MAX_MICROS / 1_000_000 + " USD, the most Penia holds (it holds "
                    + Money.ofMicros(ledgerTotals[0]).usd().toPlainString() + ")", Map.of("field", "cost"));
        }
        if (rec.inputTokens() > UsageInput.MAX_LEDGER_TOKENS - ledgerTotals[1]
                || rec.outputTokens() > UsageInput.MAX_LEDGER_TOKENS - ledgerTotals[2]) {
            String field = rec.inputTokens() > UsageInput.MAX_LEDGER_TOKENS - ledgerTotals[1] ? "input_tokens"
                    : "output_tokens";
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, field + ": the record would take the ledger's "
                    + field + " past " + UsageInput.MAX_LEDGER_TOKENS + ", the most Penia holds",
                    Map.of("field", field));
        }
    }
}
