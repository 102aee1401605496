package io.tekton.penia.engine.monitor;

import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * The two monitors as pure functions over counters.
 *
 * <ul>
 *   <li>The <b>guardrail</b> monitor guards the period limit: it blocks while the budget's
 *   circuit breaker is open or when the operation would take the period past 100 % of its
 *   limit, and reports the alert thresholds reached.</li>
 *   <li>The <b>real-time</b> monitor judges one operation against the warning and stop
 *   percentages: warning at {@code warning_percent}, block above {@code stop_percent}.</li>
 * </ul>
 * Both see the same thresholds (one configuration), and the operation proceeds only if both
 * approve. A warn-only budget never blocks: its blocks are reported as warnings.
 */
public final class Monitors {
    public static final String GUARDRAIL = "guardrail";
    public static final String REALTIME = "realtime";

    private Monitors() {
    }

    /** Percent of {@code limit} that {@code used} is, 2 decimals; any use of a zero limit is 100 %. */
    public static BigDecimal percent(long usedMicros, long limitMicros) {
        if (limitMicros <= 0) {
            return usedMicros > 0 ? new BigDecimal("100.00") : BigDecimal.ZERO.setScale(2);
        }
        if (usedMicros >= 0 && usedMicros <= Long.MAX_VALUE / 20_000) {
            // Hundredths of a percent, rounded half up, in long arithmetic (no BigDecimal division
            // per reason of every check); beyond about $461 million the exact path below.
            long twice = usedMicros * 20_000 / limitMicros;
            return BigDecimal.valueOf((twice + 1) / 2, 2);
        }
        return BigDecimal.valueOf(usedMicros).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(limitMicros), 2, RoundingMode.HALF_UP);
    }

    /** True when {@code used} is at or above {@code pct} % of {@code limit}, exactly. */
    public static boolean atOrAbove(long usedMicros, long limitMicros, int pct) {
        return compareProducts(usedMicros, 100, limitMicros, pct) >= 0;
    }

    /** True when {@code used} is strictly above {@code pct} % of {@code limit}, exactly. */
    public static boolean above(long usedMicros, long limitMicros, int pct) {
        return compareProducts(usedMicros, 100, limitMicros, pct) > 0;
    }

    /** Compares {@code a × b} with {@code c × d} exactly, as 128-bit products (no overflow, no allocation). */
    static int compareProducts(long a, long b, long c, long d) {
        long hi1 = Math.multiplyHigh(a, b);
        long hi2 = Math.multiplyHigh(c, d);
        return hi1 != hi2 ? Long.compare(hi1, hi2) : Long.compareUnsigned(a * b, c * d);
    }

    /** The guardrail monitor's judgement of one budget period. */
    public static Reason guardrail(Budget b, Period p, Money limit, Money spent, Money reserved, Money estimate,
                                   boolean breakerOpen) {
        long projected = spent.micros() + reserved.micros() + estimate.micros();
        Reason.Level level;
        String detail;
        if (breakerOpen) {
            level = Reason.Level.BLOCK;
            detail = "circuit breaker open for the " + p.wireName() + " period";
        } else if (above(projected, limit.micros(), 100)) {
            level = Reason.Level.BLOCK;
            detail = "would exceed the " + p.wireName() + " limit";
        } else if (atOrAbove(projected, limit.micros(), b.warningPercent())) {
            level = Reason.Level.WARNING;
            detail = "at or above the warning threshold of " + b.warningPercent() + "%";
        } else if (!b.alertThresholds().isEmpty() && atOrAbove(projected, limit.micros(), b.alertThresholds().getFirst())) {
            level = Reason.Level.INFO;
            detail = "alert threshold reached";
        } else {
            level = Reason.Level.OK;
            detail = "within limit";
        }
        return new Reason(b.budgetId(), p, GUARDRAIL, spent, reserved, limit, percent(projected, limit.micros()),
                soften(b, level), detail);
    }

    /** The real-time monitor's judgement of one operation on one budget period. */
    public static Reason realtime(Budget b, Period p, Money limit, Money spent, Money reserved, Money estimate) {
        long projected = spent.micros() + reserved.micros() + estimate.micros();
        Reason.Level level;
        String detail;
        if (above(projected, limit.micros(), b.stopPercent())) {
            level = Reason.Level.BLOCK;
            detail = "would pass the stop threshold of " + b.stopPercent() + "%";
        } else if (atOrAbove(projected, limit.micros(), b.warningPercent())) {
            level = Reason.Level.WARNING;
            detail = "at or above the warning threshold of " + b.warningPercent() + "%";
        } else {
            level = Reason.Level.OK;
            detail = "within thresholds";
        }
        return new Reason(b.budgetId(), p, REALTIME, spent, reserved, limit, percent(projected, limit.micros()),
                soften(b, level), detail);
    }

    private static Reason.Level soften(Budget b, Reason.Level level) {
        return level == Reason.Level.BLOCK && b.enforcement() == Enforcement.WARN ? Reason.Level.WARNING : level;
    }

    /** Combines every reason into one decision: any block blocks, any warning warns. */
    public static Decision decide(List<Reason> reasons) {
        boolean warn = false;
        for (Reason r : reasons) {
            if (r.level() == Reason.Level.BLOCK) {
                return new Decision.Block(reasons);
            }
            warn |= r.level() == Reason.Level.WARNING;
        }
        return warn ? new Decision.Warn(reasons) : new Decision.Allow(reasons);
    }
}
