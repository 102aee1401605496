package io.tekton.penia.engine;

import io.tekton.penia.engine.forecast.Finding;
import io.tekton.penia.engine.forecast.Forecast;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.forecast.SpendProfile;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * The engine's side of forecasting (issue 25): builds a budget's spend profile from the
 * rollups, projects its periods, and turns projections and anomaly findings into alerts.
 * Called under the engine lock.
 */
final class ForecastAlerts {
    static final String FORECAST_MONITOR = "forecast";
    static final String ANOMALY_MONITOR = "anomaly";
    /** A period-rate projection (too little history) alerts only after this share of the period. */
    private static final double PERIOD_RATE_MIN_ELAPSED = 0.25;

    private ForecastAlerts() {
    }

    static boolean isAnomaly(String type) {
        return AlertBook.SPEND_SPIKE.equals(type) || AlertBook.NEW_MODEL.equals(type)
                || AlertBook.NEW_COMPONENT.equals(type);
    }

    /** A profile of what the scope matched so far, from the rollups (in bucket order). */
    static SpendProfile profile(RollupIndex rollups, Scope scope, ZoneId zone) {
        SpendProfile p = new SpendProfile(zone);
        rollups.forEachBucket(Long.MIN_VALUE, Long.MAX_VALUE, (bucket, d, a) -> {
            if (scope.matches(d.component(), d.provider(), d.model(), d.taskType())) {
                p.add(bucket, a.costMicros);
            }
        });
        return p;
    }

    /** The profile of a budget, rebuilt when it has none or its scope changed. */
    static void ensureProfile(BudgetState s, RollupIndex rollups, ZoneId zone) {
        // Identity, not equals: this runs for every record; an update with an equal scope just rebuilds once.
        if (s.profile == null || s.budget.scope() != s.profileScope) {
            s.profile = profile(rollups, s.budget.scope(), zone);
            s.profileScope = s.budget.scope();
        }
    }

    static long stopMicros(Budget b, Money limit) {
        return BigDecimal.valueOf(limit.micros()).multiply(BigDecimal.valueOf(b.stopPercent()))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING).longValue();
    }

    static Forecast forecast(BudgetState s, Period p, BudgetState.PeriodCounter c, Instant now) {
        if (s.profile == null) {
            return null;
        }
        return s.profile.forecast(now, c.window.start(), c.window.end(), c.spentMicros,
                stopMicros(s.budget, s.budget.limits().get(p)));
    }

    /** projected_overrun for each period of a budget that has forecast alerts on. */
    static void evaluate(BudgetState s, Instant now, ForecastConfig fc, AlertBook alerts, AlertBook.Outcome out,
                         AlertOutbox outbox) {
        Budget b = s.budget;
        if (!b.active() || !b.forecastAlerts()) {
            return;
        }
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
            Period p = e.getKey();
            BudgetState.PeriodCounter c = e.getValue();
            Forecast f = forecast(s, p, c, now);
            long limit = b.limits().get(p).micros();
            long stop = stopMicros(b, b.limits().get(p));
            if (f == null || f.stopAt() == null || c.spentMicros >= stop || !f.stopAt().isBefore(c.window.end())
                    || limit <= 0) {
                continue;
            }
            long total = Duration.between(c.window.start(), c.window.end()).toSeconds();
            long elapsed = Duration.between(c.window.start(), now).toSeconds();
            if ("period_rate".equals(f.method()) && elapsed < PERIOD_RATE_MIN_ELAPSED * total) {
                continue;
            }
            long step = BigDecimal.valueOf(limit).multiply(BigDecimal.valueOf(fc.alertStepPercent()))
                    .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING).longValue();
            String msg = AlertBook.cap(p) + " budget '" + b.name() + "' is projected to reach its stop threshold ("
                    + b.stopPercent() + "%, $" + AlertBook.usd(stop) + " of $" + AlertBook.usd(limit) + ") at "
                    + f.stopAt() + ", " + left(Duration.between(f.stopAt(), c.window.end()))
                    + " before the period ends: projected $" + AlertBook.usd(f.expectedMicros())
                    + " at the end of the period (" + Forecast.INTERVAL_PERCENT + "% interval $"
                    + AlertBook.usd(f.lowMicros()) + " to $" + AlertBook.usd(f.highMicros()) + ", " + f.method()
                    + "), $" + AlertBook.usd(c.spentMicros) + " spent so far";
            alerts.projectedOverrun(b, p, c.window.start(), f.expectedMicros(), step, msg, now, out, outbox);
        }
    }

    /** "3 d 4 h", "5 h 10 min", "12 min". */
    static String left(Duration d) {
        long m = Math.max(0, d.toMinutes());
        if (m >= 24 * 60) {
            return m / (24 * 60) + " d " + (m % (24 * 60)) / 60 + " h";
        }
        return m >= 60 ? m / 60 + " h " + m % 60 + " min" : m + " min";
    }

    /** Alerts for the anomaly watch's findings. */
    static void anomalies(List<Finding> findings, Duration cooldown, Instant now, AlertBook alerts,
                          AlertBook.Outcome out, AlertOutbox outbox) {
        for (Finding f : findings) {
            String key = f.dimension() + "|" + f.value();
            switch (f.type()) {
                case Finding.SPEND_SPIKE -> alerts.anomaly(AlertBook.SPEND_SPIKE, key, "warning",
                        "Spend spike on " + f.dimension() + " '" + f.value() + "': observed $"
                                + rate(f.observedPerMinute()) + "/min over the last 5 minutes ($"
                                + AlertBook.usd(f.windowMicros()) + "), baseline $" + rate(f.baselinePerMinute())
                                + "/min, factor " + factor(f.factor()), cooldown, now, out, outbox);
                case Finding.NEW_MODEL, Finding.NEW_COMPONENT -> alerts.anomaly(f.type(), key, "info",
                        "First spend on " + f.dimension() + " '" + f.value() + "': $" + rate(f.windowMicros())
                                + " at " + Instant.ofEpochSecond(f.atEpochSecond()), Duration.ofDays(3650), now,
                        out, outbox);
                default -> throw new IllegalStateException("unknown finding " + f.type());
            }
        }
    }

    /** Micro-dollars as dollars with 4 decimals (per-minute rates are small). */
    static String rate(double micros) {
        return BigDecimal.valueOf(micros / 1e6).setScale(4, RoundingMode.HALF_UP).toPlainString();
    }

    static String factor(double f) {
        return Double.isInfinite(f) ? "inf (no spend in the baseline)"
                : BigDecimal.valueOf(f).setScale(1, RoundingMode.HALF_UP).toPlainString();
    }
}
