package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Write;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which alerts have fired, so that each threshold crossing makes exactly one alert per
 * budget and period whichever monitor saw it, and repeats are counted instead of raised.
 * Operation-blocked and unpriced-usage alerts repeat at most once per cooldown.
 * Not thread-safe: used under the engine lock.
 */
final class AlertBook {
    static final String THRESHOLD = "threshold";
    static final String WARNING = "warning_threshold";
    static final String STOP = "stop_threshold";
    static final String EXCEEDED = "budget_exceeded";
    static final String BLOCKED = "operation_blocked";
    static final String UNPRICED = "unpriced_usage";
    static final String PROJECTED_OVERRUN = "projected_overrun";
    static final String SPEND_SPIKE = "spend_spike";
    static final String NEW_MODEL = "new_model";
    static final String NEW_COMPONENT = "new_component";

    /** What is known of an alert that fired: its id, when, and the repeats suppressed since. */
    static final class Fired {
        final String alertId;
        Instant lastEmitted;
        long suppressed;

        Fired(String alertId, Instant lastEmitted, long suppressed) {
            this.alertId = alertId;
            this.lastEmitted = lastEmitted;
            this.suppressed = suppressed;
        }
    }

    /** The alerts and writes that one evaluation produced. */
    record Outcome(List<Alert> alerts, List<Write> writes) {
        static Outcome empty() {
            return new Outcome(new ArrayList<>(), new ArrayList<>());
        }
    }

    private final Map<String, Fired> fired = new HashMap<>();
    private final LedgerStore store;
    private final AtomicLong suppressedTotal = new AtomicLong();
    private final AtomicLong raisedTotal = new AtomicLong();
    /** The projection a projected_overrun alert was last raised at, per dedupe key. */
    private final Map<String, Long> projectedAt = new HashMap<>();

    AlertBook(LedgerStore store) {
        this.store = store;
    }

    static String key(String budgetId, Period p, Instant periodStart, String type, Integer threshold) {
        return budgetId + "|" + (p == null ? "" : p.wireName()) + "|" + (periodStart == null ? "" : periodStart.toEpochMilli())
                + "|" + type + "|" + (threshold == null ? "" : threshold);
    }

    /** Forgets the fired alerts (a reload loads them again); the raised count is this process's. */
    void clear() {
        fired.clear();
        projectedAt.clear();
        suppressedTotal.set(0);
    }

    void load(List<Map.Entry<Alert, String>> rows) {
        for (Map.Entry<Alert, String> e : rows) {
            Alert a = e.getKey();
            String stored = e.getValue();
            String k;
            if (stored.startsWith(LedgerStore.RETIRED_ALERT)) {
                // Fired by a budget since deleted: history, not dedupe state of the id's next budget.
                suppressedTotal.addAndGet(a.suppressedCount());
                continue;
            } else if (a.alertType().equals(PROJECTED_OVERRUN) && stored.contains("#")) {
                k = stored.substring(0, stored.indexOf('#'));
            } else if (a.alertType().equals(UNPRICED) || ForecastAlerts.isAnomaly(a.alertType())) {
                k = stored.substring(0, Math.max(0, stored.lastIndexOf('|')));
            } else if (!stored.isEmpty()) {
                k = stored;
            } else {
                k = key(a.budgetId(), a.period(), a.periodStart(), a.alertType(), null);
            }
            Fired f = fired.get(k);
            if (f == null || f.lastEmitted.isBefore(a.createdAt())) {
                fired.put(k, new Fired(a.alertId(), a.createdAt(), a.suppressedCount()));
            }
            suppressedTotal.addAndGet(a.suppressedCount());
        }
    }

    /**
     * Forgets what a budget id has fired (its budget is deleted, or one is created under an id
     * whose earlier budget left state behind): the next budget of the id fires afresh. Returns
     * what was forgotten, for {@link #restore} when the change is not committed.
     */
    Map<String, Fired> retire(String budgetId) {
        Map<String, Fired> out = new HashMap<>();
        String prefix = budgetId + "|";
        fired.entrySet().removeIf(e -> {
            String k = e.getKey();
            // A budget's key is id|period|...; "unpriced|provider|model" must not be taken for budget "unpriced".
            boolean mine = k.startsWith(prefix) && Period.parse(k.substring(prefix.length(),
                    Math.max(prefix.length(), k.indexOf('|', prefix.length())))).isPresent();
            if (mine) {
                out.put(k, e.getValue());
                projectedAt.remove(k);
            }
            return mine;
        });
        return out;
    }

    void restore(Map<String, Fired> retired) {
        retired.forEach(fired::putIfAbsent);
    }

    long suppressedTotal() {
        return suppressedTotal.get();
    }

    long raisedTotal() {
        return raisedTotal.get();
    }

    /** The thresholds both monitors watch: the guardrail's plus warning and stop. */
    static TreeSet<Integer> thresholds(Budget b) {
        TreeSet<Integer> t = new TreeSet<>(b.alertThresholds());
        t.add(b.warningPercent());
        t.add(b.stopPercent());
        return t;
    }

    /**
     * Raises the alerts for thresholds that {@code used} (spent + reserved) has reached in the
     * period. A threshold already raised this period is counted as suppressed when it is
     * crossed again ({@code usedBefore} below it) or when {@code countRepeats} says so.
     */
    void evaluate(Budget b, Period p, Instant periodStart, Money limit, long usedBefore, long used, long spent,
                  Instant now, boolean countRepeats, Outcome out, AlertOutbox outbox) {
        long l = limit.micros();
        // Below the lowest threshold nothing can fire: the common case, checked on every
        // check and record, without building the sorted threshold set.
        if (Monitors.atOrAbove(used, l, lowestThreshold(b))) {
            for (int t : thresholds(b)) {
                if (!Monitors.atOrAbove(used, l, t)) {
                    break;
                }
                String type = t == b.stopPercent() ? STOP : t == b.warningPercent() ? WARNING : THRESHOLD;
                String monitor = b.alertThresholds().contains(t) ? Monitors.GUARDRAIL : Monitors.REALTIME;
                boolean recrossed = !Monitors.atOrAbove(usedBefore, l, t);
                raiseOnce(b, p, periodStart, THRESHOLD_FAMILY, t, type, monitor, severity(b, t),
                        cap(p) + " budget '" + b.name() + "' " + t + "% consumed ($" + usd(used) + " of $" + usd(l)
                                + (used == spent ? ")" : ", of which $" + usd(used - spent) + " held by open reservations)"),
                        now, countRepeats || recrossed, out, outbox);
            }
        }
        if (Monitors.above(spent, l, 100)) {
            boolean recrossed = !Monitors.above(usedBefore, l, 100);
            raiseOnce(b, p, periodStart, EXCEEDED, null, EXCEEDED, Monitors.GUARDRAIL, "critical",
                    cap(p) + " budget '" + b.name() + "' exceeded: $" + usd(spent) + " spent of $" + usd(l),
                    now, countRepeats || recrossed, out, outbox);
        }
    }

    /** The smallest of {@link #thresholds}; alertThresholds is sorted ascending (see Budget). */
    private static int lowestThreshold(Budget b) {
        int low = Math.min(b.warningPercent(), b.stopPercent());
        return b.alertThresholds().isEmpty() ? low : Math.min(low, b.alertThresholds().getFirst());
    }

    /** Thresholds share one family in the dedupe key, so warning 80 and guardrail 80 are one alert. */
    private static final String THRESHOLD_FAMILY = THRESHOLD;

    private void raiseOnce(Budget b, Period p, Instant periodStart, String family, Integer threshold, String type,
                           String monitor, String severity, String message, Instant now, boolean countRepeat,
                           Outcome out, AlertOutbox outbox) {
        String k = key(b.budgetId(), p, periodStart, family, threshold);
        Fired f = fired.get(k);
        if (f != null) {
            if (countRepeat) {
                suppress(f, out);
            }
            return;
        }
        Alert a = new Alert(Ids.next("alt", now.toEpochMilli()), b.budgetId(), p, periodStart, type, threshold, severity,
                monitor, message, false, now, 0);
        fired.put(k, new Fired(a.alertId(), now, 0));
        emit(a, k, b, out, outbox);
    }

    /** An operation was blocked: one alert per budget, period and cooldown; repeats counted. */
    void blocked(Budget b, Period p, Instant periodStart, String monitor, String detail, Instant now, Outcome out,
                 AlertOutbox outbox) {
        String k = key(b.budgetId(), p, periodStart, BLOCKED, null);
        Fired f = fired.get(k);
        if (f != null && now.isBefore(f.lastEmitted.plus(Duration.ofSeconds(b.cooldownSeconds())))) {
            suppress(f, out);
            return;
        }
        Alert a = new Alert(Ids.next("alt", now.toEpochMilli()), b.budgetId(), p, periodStart, BLOCKED, null, "critical",
                monitor, "Operation blocked by " + cap(p).toLowerCase(Locale.ROOT) + " budget '" + b.name() + "': " + detail,
                false, now, 0);
        fired.put(k, new Fired(a.alertId(), now, 0));
        emit(a, null, b, out, outbox);
    }

    /** Usage of a model without a price: one alert per model per cooldown. */
    void unpriced(String provider, String model, Duration cooldown, Instant now, Outcome out, AlertOutbox outbox) {
        String k = "unpriced|" + provider + "|" + model;
        Fired f = fired.get(k);
        if (f != null && now.isBefore(f.lastEmitted.plus(cooldown))) {
            suppress(f, out);
            return;
        }
        Alert a = new Alert(Ids.next("alt", now.toEpochMilli()), null, null, null, UNPRICED, null, "warning",
                Monitors.REALTIME, "Usage of unpriced model " + provider + "/" + model
                + " was recorded without a cost; set a price with PUT /api/v1/prices/" + provider + "/" + model,
                false, now, 0);
        fired.put(k, new Fired(a.alertId(), now, 0));
        // The unpriced key is stored as the dedupe column's value so it survives a restart.
        out.writes.add(store.insertAlert(a, k + "|" + now.toEpochMilli()));
        out.writes.addAll(outbox.writesFor(a, null));
        out.alerts.add(a);
        raisedTotal.incrementAndGet();
    }

    private void emit(Alert a, String dedupeKey, Budget b, Outcome out, AlertOutbox outbox) {
        out.writes.add(store.insertAlert(a, dedupeKey));
        out.writes.addAll(outbox.writesFor(a, b));
        out.alerts.add(a);
        raisedTotal.incrementAndGet();
    }

    private void suppress(Fired f, Outcome out) {
        f.suppressed++;
        suppressedTotal.incrementAndGet();
        out.writes.add(store.addSuppressed(f.alertId, 1));
    }

    /**
     * The forecast says the stop threshold is reached before the period ends: one alert per
     * budget and period, raised again only when the projection has worsened by {@code stepMicros}
     * since the last one and the budget's cooldown has passed.
     */
    void projectedOverrun(Budget b, Period p, Instant periodStart, long projectedMicros, long stepMicros,
                          String message, Instant now, Outcome out, AlertOutbox outbox) {
        String k = key(b.budgetId(), p, periodStart, PROJECTED_OVERRUN, null);
        Fired f = fired.get(k);
        if (f != null) {
            Long last = projectedAt.get(k);
            if (last == null) {
                // Raised before a restart: its projection is not known; measure worsening from here.
                projectedAt.put(k, projectedMicros);
                return;
            }
            if (projectedMicros < last + stepMicros
                    || now.isBefore(f.lastEmitted.plus(Duration.ofSeconds(b.cooldownSeconds())))) {
                return;
            }
        }
        Alert a = new Alert(Ids.next("alt", now.toEpochMilli()), b.budgetId(), p, periodStart, PROJECTED_OVERRUN,
                b.stopPercent(), "warning", ForecastAlerts.FORECAST_MONITOR, message, false, now, 0);
        fired.put(k, new Fired(a.alertId(), now, 0));
        projectedAt.put(k, projectedMicros);
        // Each raise is its own row: the stored key carries the time after '#'.
        emit(a, k + "#" + now.toEpochMilli(), b, out, outbox);
    }

    /**
     * A spend spike or a first-spend notice, not tied to a budget: one alert per key and
     * cooldown, repeats counted (as for unpriced usage).
     */
    void anomaly(String type, String key, String severity, String message, Duration cooldown, Instant now,
                 Outcome out, AlertOutbox outbox) {
        String k = "anomaly|" + type + "|" + key;
        Fired f = fired.get(k);
        if (f != null && now.isBefore(f.lastEmitted.plus(cooldown))) {
            suppress(f, out);
            return;
        }
        Alert a = new Alert(Ids.next("alt", now.toEpochMilli()), null, null, null, type, null, severity,
                ForecastAlerts.ANOMALY_MONITOR, message, false, now, 0);
        fired.put(k, new Fired(a.alertId(), now, 0));
        out.writes.add(store.insertAlert(a, k + "|" + now.toEpochMilli()));
        out.writes.addAll(outbox.writesFor(a, null));
        out.alerts.add(a);
        raisedTotal.incrementAndGet();
    }

    /** A snapshot of cooldown state for the status endpoint. */
    List<Map<String, Object>> cooldowns(Instant now) {
        List<Map<String, Object>> out = new ArrayList<>();
        fired.forEach((k, f) -> {
            if (k.contains("|" + BLOCKED + "|") || k.startsWith("unpriced|") || k.startsWith("anomaly|")) {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("key", k);
                m.put("alert_id", f.alertId);
                m.put("last_alert_at", f.lastEmitted.toString());
                m.put("suppressed", f.suppressed);
                out.add(m);
            }
        });
        return out;
    }

    /** Forgets state of periods that started before {@code cutoff}. */
    void prune(Instant cutoff) {
        fired.values().removeIf(f -> f.lastEmitted.isBefore(cutoff.minus(Duration.ofDays(1))));
        projectedAt.keySet().retainAll(fired.keySet());
    }

    static String severity(Budget b, int t) {
        if (t >= b.stopPercent() || t >= 100) {
            return "critical";
        }
        return t >= b.warningPercent() ? "warning" : "info";
    }

    static String cap(Period p) {
        String w = p.wireName();
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    static String usd(long micros) {
        return java.math.BigDecimal.valueOf(micros, 6).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}
