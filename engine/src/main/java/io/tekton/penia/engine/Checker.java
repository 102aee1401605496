package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.monitor.Reason;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The unified check: both monitors over the matching budgets, and the hold of an allowed check. */
final class Checker {
    private final EngineContext ctx;
    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private final Supplier<Pricer> pricer;

    Checker(EngineContext ctx, Counters counters, Holds holds, Breakers breakers, Supplier<Pricer> pricer) {
        this.ctx = ctx;
        this.counters = counters;
        this.holds = holds;
        this.breakers = breakers;
        this.pricer = pricer;
    }

    CheckResult check(CheckInput in) {
        Instant now = counters.now();
        Money estimate = estimate(in);
        ctx.stats().checksTotal.incrementAndGet();
        CheckResult result = ctx.lock().mutate(c -> {
            holds.expireDue(now, c.events);
            List<BudgetState> matched = counters.matching(in.component(), in.provider(), in.model(), in.taskType());
            List<Reason> reasons = new ArrayList<>();
            Long remaining = weigh(matched, estimate, now, reasons, c.events);
            Decision decision = Monitors.decide(reasons);
            Reservation hold = null;
            if (decision instanceof Decision.Block) {
                blocked(reasons, now, c);
            } else if (in.reserve()) {
                hold = hold(in, matched, estimate, now, c);
            }
            return new CheckResult(decision, remaining == null ? null : Money.ofMicros(remaining), estimate, hold);
        });
        ctx.listeners().fire(l -> l.onCheck(in, result));
        return result;
    }

    /** Adds both monitors' reasons for each period of each matched budget; returns the least left, null when none. */
    private Long weigh(List<BudgetState> matched, Money estimate, Instant now, List<Reason> reasons,
                       List<Runnable> events) {
        Long remaining = null;
        for (BudgetState s : matched) {
            counters.roll(s, now, events);
            for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
                Period p = e.getKey();
                BudgetState.PeriodCounter c = e.getValue();
                Money limit = s.budget.limits().get(p);
                Money spent = Money.ofMicros(c.spentMicros);
                Money reserved = Money.ofMicros(s.reservedMicros);
                reasons.add(Monitors.guardrail(s.budget, p, limit, spent, reserved, estimate, c.breakerOpen));
                reasons.add(Monitors.realtime(s.budget, p, limit, spent, reserved, estimate));
                long left = limit.micros() - c.spentMicros - s.reservedMicros;
                remaining = remaining == null ? left : Math.min(remaining, left);
            }
        }
        return remaining;
    }

    /** Counts the block and raises its alerts (awaited: whoever reads after the answer sees them). */
    private void blocked(List<Reason> reasons, Instant now, Change c) {
        ctx.stats().blocksTotal.incrementAndGet();
        for (Reason r : reasons) {
            // With the writer full, a later blocked check raises the alert: nothing is marked fired unstored.
            if (r.level() == Reason.Level.BLOCK && ctx.writer().hasRoom()) {
                breakers.blocked(counters.get(r.budgetId()), r, now, c.out);
            }
        }
    }

    /** Holds the estimate against every matched budget until settled, released or expired. */
    private Reservation hold(CheckInput in, List<BudgetState> matched, Money estimate, Instant now, Change c) {
        long ttl = in.reservationTtlSeconds() != null ? in.reservationTtlSeconds()
                : ctx.cfg().defaultReservationTtl().toSeconds();
        if (ttl > ctx.cfg().maxReservationTtl().toSeconds()) {
            throw PeniaException.invalid("reservation_ttl_seconds",
                    "must be at most " + ctx.cfg().maxReservationTtl().toSeconds());
        }
        Holds.checkRoom(matched, estimate);
        ctx.lock().requireRoom();
        Reservation hold = new Reservation(Ids.next("res", now.toEpochMilli()), in.component(), in.provider(),
                in.model(), estimate, matched.stream().map(s -> s.budget.budgetId()).toList(), now,
                now.plusSeconds(ttl), Reservation.ACTIVE);
        for (BudgetState s : matched) {
            Map<Period, Long> before = Counters.used(s);
            s.reservedMicros = Math.addExact(s.reservedMicros, estimate.micros());
            breakers.afterChange(s, before, now, false, c.out);
        }
        holds.add(hold);
        c.write(ctx.store().insertReservation(hold));
        c.undo(() -> {
            Reservation live = holds.take(hold.reservationId());
            if (live != null) {
                holds.release(live);
            }
        });
        c.afterCommit(() -> {
            ctx.listeners().fire(l -> l.onReservation(hold));
            for (BudgetState s : matched) {
                ctx.listeners().budgetChanged(s.budget.budgetId());
            }
        });
        return hold;
    }

    private Money estimate(CheckInput in) {
        if (in.estimatedCost() != null) {
            return in.estimatedCost();
        }
        if (in.model() == null || in.provider() == null && in.model() == null) {
            throw PeniaException.invalid("model", "a token estimate needs a model to price it (or give estimated_cost)");
        }
        long input = in.estimatedInputTokens() == null ? 0 : in.estimatedInputTokens();
        long output = in.estimatedOutputTokens() == null ? 0 : in.estimatedOutputTokens();
        Money priced = pricer.get().price(in.provider(), in.model(), input, output, 0, 0, 0)
                .map(Pricer.Priced::cost)
                .orElseThrow(() -> new PeniaException(ErrorCode.INVALID_ARGUMENT,
                        "model '" + in.model() + "' has no price; give estimated_cost",
                        Map.of("field", "model", "model", in.model())));
        Money.checkRecordCost("estimated_cost", priced);
        return priced;
    }
}
