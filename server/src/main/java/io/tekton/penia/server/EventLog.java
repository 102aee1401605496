package io.tekton.penia.server;

import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.EngineListener;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Reason;

import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One log line per business event of the engine, with its numbers, on the
 * {@value PeniaLogging#EVENTS} logger: a check blocked or warned, an alert raised, a breaker
 * opened or closed, a hold expired. (Keys, prices and deliveries log where they happen.)
 */
public final class EventLog implements EngineListener {
    private static final System.Logger LOG = System.getLogger(PeniaLogging.EVENTS);

    /** Logs an event on the events logger (for the parts outside the engine). */
    public static void log(Level level, String message) {
        LOG.log(level, message);
    }

    @Override
    public void onCheck(CheckInput in, CheckResult r) {
        Decision d = r.decision();
        if (d.allowed() && !(d instanceof Decision.Warn)) {
            return;
        }
        Reason.Level wanted = d instanceof Decision.Block ? Reason.Level.BLOCK : Reason.Level.WARNING;
        StringBuilder b = new StringBuilder(d instanceof Decision.Block ? "check blocked: " : "check warned: ")
                .append("component=").append(in.component()).append(" provider=").append(in.provider())
                .append(" model=").append(in.model()).append(" estimate=").append(usd(r.estimate()));
        for (Reason x : d.reasons()) {
            if (x.level() == wanted) {
                b.append("; budget ").append(x.budgetId()).append(' ').append(x.period().wireName())
                        .append(" spent ").append(usd(x.spent())).append(" held ").append(usd(x.reserved()))
                        .append(" of ").append(usd(x.limit()));
                if (x.projectedPercent() != null) {
                    b.append(" (").append(x.projectedPercent().setScale(1, RoundingMode.HALF_UP).toPlainString())
                            .append("% with the estimate)");
                }
                b.append(' ').append(x.monitor()).append(": ").append(x.detail());
            }
        }
        LOG.log(d instanceof Decision.Block ? Level.WARNING : Level.INFO, b.toString());
    }

    @Override
    public void onAlert(Alert a) {
        LOG.log("critical".equals(a.severity()) ? Level.WARNING : Level.INFO, "alert " + a.alertType()
                + (a.thresholdPercent() == null ? "" : " " + a.thresholdPercent() + "%") + ": budget " + a.budgetId()
                + (a.period() == null ? "" : " " + a.period().wireName()) + " severity " + a.severity() + ": "
                + a.message() + " (" + a.alertId() + ")");
    }

    @Override
    public void onBreaker(String budgetId, Period period, boolean open, Money spent, Money limit) {
        LOG.log(open ? Level.WARNING : Level.INFO, "breaker " + (open ? "opened" : "closed") + ": budget " + budgetId
                + " " + period.wireName() + " spent " + usd(spent) + " of " + usd(limit) + " (" + percent(spent, limit)
                + ")" + (open ? "; blocking checks until it is reset or a new period begins" : ""));
    }

    @Override
    public void onReservation(Reservation r) {
        if (Reservation.EXPIRED.equals(r.status())) {
            LOG.log(Level.INFO, "hold expired: " + r.reservationId() + " " + usd(r.amount()) + " for component="
                    + r.component() + (r.provider() == null ? "" : " provider=" + r.provider())
                    + (r.model() == null ? "" : " model=" + r.model()) + " on budgets "
                    + r.budgetIds() + ", held since " + r.createdAt() + ", expired at " + r.expiresAt());
        }
    }

    /** A number as written, never in E-notation. */
    public static String plain(Object o) {
        return o instanceof BigDecimal d ? d.toPlainString() : String.valueOf(o);
    }

    public static String usd(Money m) {
        return m == null ? "$?" : "$" + m.usd().toPlainString();
    }

    static String percent(Money part, Money whole) {
        if (part == null || whole == null || whole.micros() == 0) {
            return "n/a";
        }
        return BigDecimal.valueOf(part.micros()).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(whole.micros()), 1, RoundingMode.HALF_UP).toPlainString() + "%";
    }
}
