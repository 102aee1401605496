package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.forecast.AnomalyConfig;
import io.tekton.penia.engine.forecast.AnomalyWatch;
import io.tekton.penia.engine.forecast.Forecast;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.monitor.Reason;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.LedgerWriter;
import io.tekton.penia.engine.store.StoreException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The budget engine: one set of budgets watched by both monitors, the usage ledger, holds
 * and alerts. Every decision and every counter change happens under one lock in memory
 * (microseconds), so check-and-hold is atomic; the durable write is queued under the same
 * lock (keeping ledger order) and awaited outside it, so concurrent callers share commits.
 */
public final class BudgetEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());
    private static final int IDEMPOTENCY_CACHE = 200_000;

    private final EngineConfig cfg;
    private final LedgerStore store;
    private final LedgerWriter writer;
    private volatile Pricer pricer;
    private volatile AlertOutbox outbox = AlertOutbox.none();
    private final List<EngineListener> listeners = new CopyOnWriteArrayList<>();
    /** Breakers opened under the lock, told to the listeners by the next {@link #publish} after their commit. */
    private final java.util.Queue<Runnable> breakerEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, BudgetState> budgets = new LinkedHashMap<>();
    private final RollupIndex rollups;
    private final Map<String, Reservation> reservations = new HashMap<>();
    /**
     * Live holds by expiry (then id). A hold leaves it when it is settled or released, not
     * only when it expires: a queue that dropped settled holds only at their expiry kept every
     * hold of the last TTL (ten minutes) in memory, millions under load, and their copying
     * made young GC pauses of 12-16 ms.
     */
    private final TreeSet<Reservation> expiries = new TreeSet<>(
            Comparator.comparing(Reservation::expiresAt).thenComparing(Reservation::reservationId));
    private final AlertBook alerts;
    private final AnomalyWatch anomalies;
    private volatile ForecastConfig forecastCfg = ForecastConfig.defaults();
    private final Map<String, CompletableFuture<UsageRecord>> recentRequests =
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<UsageRecord>> e) {
                    return size() > IDEMPOTENCY_CACHE;
                }
            };
    private final Idempotency idempotency = new Idempotency();
    private final ScheduledExecutorService scheduler;
    private final Instant startedAt;
    private volatile Defaults defaults;

    private final AtomicLong recordsTotal = new AtomicLong();
    private final AtomicLong costTotalMicros = new AtomicLong();
    private final AtomicLong checksTotal = new AtomicLong();
    private final AtomicLong blocksTotal = new AtomicLong();
    private final AtomicLong reservationsExpired = new AtomicLong();
    /**
     * The whole ledger's cost (micros), input and output tokens; guarded by the lock. Kept at
     * most {@link Money#MAX_MICROS} and {@link UsageInput#MAX_LEDGER_TOKENS}: a record that would
     * pass them is refused, so no counter or sum of any part of the ledger can overflow.
     */
    private final long[] ledgerTotals = new long[3];

    /** Thresholds new budgets start with; changed by {@code PUT /budget-alerts/thresholds}. */
    public record Defaults(List<Integer> thresholds, int warningPercent, int stopPercent, long cooldownSeconds) {
        public Defaults {
            thresholds = List.copyOf(thresholds);
        }
    }

    private BudgetEngine(EngineConfig cfg, LedgerStore store, Pricer pricer) {
        this.cfg = cfg;
        this.store = store;
        this.pricer = pricer;
        this.writer = new LedgerWriter(store.database(), cfg.writerQueueCapacity(), cfg.writerMaxBatch());
        this.alerts = new AlertBook(store);
        this.anomalies = new AnomalyWatch(AnomalyConfig.defaults(), cfg.zone());
        this.startedAt = cfg.clock().instant();
        this.rollups = new RollupIndex(windowStart(startedAt), cfg.zone());
        this.defaults = new Defaults(cfg.defaultThresholds(), cfg.defaultWarningPercent(), cfg.defaultStopPercent(),
                cfg.defaultCooldown().toSeconds());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "penia-engine-sweeper");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens the engine over a store: loads budgets, rebuilds the counters of the current
     * periods from the ledger's rollups, reloads live holds, breakers and fired alerts.
     */
    public static BudgetEngine open(EngineConfig cfg, LedgerStore store, Pricer pricer) {
        BudgetEngine e = new BudgetEngine(cfg, store, pricer);
        e.load();
        return e;
    }

    /** Starts the background sweeper: hold expiry and the guardrail's periodic evaluation. */
    public void start() {
        scheduler.scheduleWithFixedDelay(this::sweepSafely, 100, 100, TimeUnit.MILLISECONDS);
        long every = Math.max(1, cfg.evaluationInterval().toMillis());
        scheduler.scheduleWithFixedDelay(this::evaluateSafely, every, every, TimeUnit.MILLISECONDS);
    }

    public void addListener(EngineListener l) {
        listeners.add(l);
    }

    public void setAlertOutbox(AlertOutbox o) {
        this.outbox = o;
    }

    /** Sets how projected-overrun and anomaly alerts behave (issue 25); the defaults hold until then. */
    public void configureForecasting(ForecastConfig f, AnomalyConfig a) {
        lock.lock();
        try {
            forecastCfg = f;
            anomalies.configure(a);
        } finally {
            lock.unlock();
        }
    }

    public void setPricer(Pricer p) {
        this.pricer = p;
    }

    public EngineConfig config() {
        return cfg;
    }

    public LedgerStore store() {
        return store;
    }

    public LedgerWriter writer() {
        return writer;
    }

    /** The engine's time, in the millisecond precision the ledger stores. */
    public Instant now() {
        return cfg.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    private Instant windowStart(Instant now) {
        Instant m = Period.MONTHLY.start(now, cfg.zone());
        Instant w = Period.WEEKLY.start(now, cfg.zone());
        return m.isBefore(w) ? m : w;
    }

    private void load() {
        Instant now = now();
        store.getSetting("defaults").ifPresent(json -> {
            Map<String, Object> m = LedgerStore.parse(json);
            List<Integer> t = new ArrayList<>();
            for (Object o : (List<?>) m.get("thresholds")) {
                t.add(((Number) o).intValue());
            }
            defaults = new Defaults(t, ((Number) m.get("warning_percent")).intValue(),
                    ((Number) m.get("stop_percent")).intValue(), ((Number) m.get("cooldown_seconds")).longValue());
        });
        rollups.load(store.loadRollups(Instant.ofEpochSecond(rollups.windowStartSecond()),
                Instant.parse("9999-01-01T00:00:00Z")));
        rollups.forEachBucket(Long.MIN_VALUE, Long.MAX_VALUE, (bucket, d, a) ->
                anomalies.seed(d.component(), d.provider(), d.model(), bucket));
        System.arraycopy(store.ledgerTotals(), 0, ledgerTotals, 0, ledgerTotals.length);
        for (LedgerStore.StoredBudget sb : store.loadBudgets()) {
            if (!sb.deleted()) {
                budgets.put(sb.budgetId(), new BudgetState(BudgetCodec.fromStorage(sb.body())));
            }
        }
        for (BudgetState s : budgets.values()) {
            roll(s, now, new ArrayList<>());
        }
        for (LedgerStore.StoredBreaker b : store.loadBreakers()) {
            BudgetState s = budgets.get(b.budgetId());
            BudgetState.PeriodCounter c = s == null ? null : s.periods.get(b.period());
            if (c != null && c.window.start().equals(b.periodStart())) {
                c.breakerOpen = "open".equals(b.state());
                c.breakerChangedAt = b.changedAt();
                c.resetSpentMicros = b.resetSpentMicros();
            }
        }
        for (Reservation r : store.loadActiveReservations()) {
            reservations.put(r.reservationId(), r);
            expiries.add(r);
            for (String id : r.budgetIds()) {
                BudgetState s = budgets.get(id);
                if (s != null) {
                    s.reservedMicros = Math.addExact(s.reservedMicros, r.amount().micros());
                }
            }
        }
        alerts.load(store.loadAlertsSince(Instant.ofEpochSecond(rollups.windowStartSecond()).minus(Duration.ofDays(1))));
        lock.lock();
        List<Runnable> events = new ArrayList<>();
        try {
            expireDue(now, events);
        } finally {
            lock.unlock();
        }
        events.forEach(Runnable::run);
    }

    // ---- budgets ------------------------------------------------------------------------

    public Defaults defaults() {
        return defaults;
    }

    /** Creates each budget if the database has never held one (the shipped seed). */
    public int seedIfEmpty(List<BudgetSpec> seed) {
        if (store.hasAnyBudgetEverBeenStored()) {
            return 0;
        }
        for (BudgetSpec s : seed) {
            createBudget(s);
        }
        return seed.size();
    }

    public Budget createBudget(BudgetSpec spec) {
        Instant now = now();
        Defaults d = defaults;
        String id = spec.budgetId() != null ? spec.budgetId() : Ids.next("bud", now.toEpochMilli());
        UsageInput.name("budget_id", id, true);
        Budget b = BudgetRules.build(spec, null, id, d, now);
        CompletableFuture<Void> f;
        List<Runnable> events = new ArrayList<>();
        lock.lock();
        try {
            if (budgets.containsKey(id)) {
                throw new PeniaException(ErrorCode.CONFLICT, "budget '" + id + "' already exists", Map.of("budget_id", id));
            }
            requireRoom();
            BudgetState s = new BudgetState(b);
            budgets.put(id, s);
            roll(s, now, events);
            List<LedgerWriter.Write> writes = new ArrayList<>();
            writes.add(store.upsertBudget(id, BudgetCodec.toStorage(b), b.active(), b.createdAt(), b.updatedAt()));
            // No budget holds the id: whatever is still kept under it is an earlier budget's
            // (a database written before deletes retired it); the new budget starts clean.
            retire(id, writes);
            f = writer.offer(all(writes));
        } finally {
            lock.unlock();
        }
        awaitOrUndo(f, () -> budgets.remove(id));
        events.forEach(Runnable::run);
        fire(l -> l.onBudgetChanged(id));
        return b;
    }

    public Budget updateBudget(String id, BudgetSpec spec) {
        Instant now = now();
        CompletableFuture<Void> f;
        Map<Period, BudgetState.PeriodCounter> oldPeriods;
        Budget before;
        Budget after;
        List<Runnable> events = new ArrayList<>();
        lock.lock();
        try {
            BudgetState s = state(id);
            before = s.budget;
            after = BudgetRules.build(spec, before, id, defaults, now);
            requireRoom();
            oldPeriods = new EnumMap<>(s.periods);
            s.budget = after;
            s.periods.clear();
            roll(s, now, events);
            List<LedgerWriter.Write> writes = new ArrayList<>();
            writes.add(store.upsertBudget(id, BudgetCodec.toStorage(after), after.active(), after.createdAt(),
                    after.updatedAt()));
            keepBreakers(s, oldPeriods, now, writes);
            f = writer.offer(all(writes));
        } finally {
            lock.unlock();
        }
        Budget undo = before;
        Map<Period, BudgetState.PeriodCounter> undoPeriods = oldPeriods;
        awaitOrUndo(f, () -> {
            BudgetState s = budgets.get(id);
            if (s != null) {
                s.budget = undo;
                s.periods.clear();
                roll(s, now, new ArrayList<>());
                undoPeriods.forEach((p, was) -> {
                    BudgetState.PeriodCounter c = s.periods.get(p);
                    if (c != null && c.window.start().equals(was.window.start())) {
                        c.breakerOpen = was.breakerOpen;
                        c.breakerChangedAt = was.breakerChangedAt;
                        c.resetSpentMicros = was.resetSpentMicros;
                    }
                });
            }
        });
        events.forEach(Runnable::run);
        fire(l -> l.onBudgetChanged(id));
        return after;
    }

    public Budget deleteBudget(String id) {
        Instant now = now();
        CompletableFuture<Void> f;
        BudgetState removed;
        Runnable unretire;
        lock.lock();
        try {
            removed = state(id);
            requireRoom();
            budgets.remove(id);
            List<LedgerWriter.Write> writes = new ArrayList<>();
            writes.add(store.deleteBudget(id, now));
            unretire = retire(id, writes);
            f = writer.offer(all(writes));
        } finally {
            lock.unlock();
        }
        Runnable undoRetire = unretire;
        awaitOrUndo(f, () -> {
            budgets.put(id, removed);
            undoRetire.run();
        });
        fire(l -> l.onBudgetChanged(id));
        return removed.budget;
    }

    public Optional<Budget> budget(String id) {
        lock.lock();
        try {
            BudgetState s = budgets.get(id);
            return s == null ? Optional.empty() : Optional.of(s.budget);
        } finally {
            lock.unlock();
        }
    }

    public List<Budget> budgets() {
        lock.lock();
        try {
            return budgets.values().stream().map(s -> s.budget).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Applies new default thresholds to every budget and to budgets created later. */
    public Defaults setDefaults(Defaults d) {
        BudgetRules.checkThresholds(d.thresholds(), d.warningPercent(), d.stopPercent(), d.cooldownSeconds());
        try {
            await(writer.submit(store.putSetting("defaults", Json.mapper().writeValueAsString(Map.of(
                    "thresholds", d.thresholds(), "warning_percent", d.warningPercent(),
                    "stop_percent", d.stopPercent(), "cooldown_seconds", d.cooldownSeconds())))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        defaults = d;
        for (Budget b : budgets()) {
            updateBudget(b.budgetId(), new BudgetSpec(null, null, null, null, d.warningPercent(), d.stopPercent(),
                    d.thresholds(), null, null, d.cooldownSeconds(), null));
        }
        return d;
    }

    private BudgetState state(String id) {
        BudgetState s = budgets.get(id);
        if (s == null) {
            throw PeniaException.notFound("budget", id);
        }
        return s;
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
    private Runnable retire(String id, List<LedgerWriter.Write> writes) {
        List<Reservation[]> detached = new ArrayList<>();
        for (Reservation r : reservations.values()) {
            if (r.budgetIds().contains(id)) {
                List<String> ids = new ArrayList<>(r.budgetIds());
                ids.removeIf(id::equals);
                detached.add(new Reservation[]{r, new Reservation(r.reservationId(), r.component(), r.provider(),
                        r.model(), r.amount(), ids, r.createdAt(), r.expiresAt(), r.status())});
            }
        }
        for (Reservation[] pair : detached) {
            swapHold(pair[0], pair[1]);
            writes.add(store.setReservationBudgets(pair[1].reservationId(), pair[1].budgetIds()));
        }
        Map<String, AlertBook.Fired> fired = alerts.retire(id);
        writes.add(store.retireBudgetState(id));
        return () -> {
            for (Reservation[] pair : detached) {
                if (reservations.get(pair[1].reservationId()) == pair[1]) {
                    swapHold(pair[1], pair[0]);
                }
            }
            alerts.restore(fired);
        };
    }

    /** Replaces a live hold by another version of it (same id and expiry). */
    private void swapHold(Reservation from, Reservation to) {
        reservations.put(to.reservationId(), to);
        expiries.remove(from);
        expiries.add(to);
    }

    /**
     * Carries the breakers of an updated budget into its recomputed periods (the same window
     * only), and makes every change durable so that a restart finds what the live server has:
     * a breaker the update released (a raised limit or stop percent leaves the spend below the
     * stop) closes, one still at or above the stop stays open, and one of a period no longer
     * limited closes (issue 17, item 2).
     */
    private void keepBreakers(BudgetState s, Map<Period, BudgetState.PeriodCounter> old, Instant now,
                              List<LedgerWriter.Write> writes) {
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

    // ---- counters -----------------------------------------------------------------------

    /** Brings every limited period of the budget to the window that contains {@code now}. */
    private void roll(BudgetState s, Instant now, List<Runnable> events) {
        ForecastAlerts.ensureProfile(s, rollups, cfg.zone());
        s.periods.keySet().removeIf(p -> !s.budget.limits().containsKey(p));
        for (Period p : s.budget.limits().keySet()) {
            BudgetState.PeriodCounter c = s.periods.get(p);
            if (c != null && c.window.contains(now)) {
                continue;
            }
            boolean wasOpen = c != null && c.breakerOpen;
            c = new BudgetState.PeriodCounter();
            c.window = p.window(now, cfg.zone());
            c.spentMicros = rollups.sumCost(s.budget.scope(), c.window.start(), c.window.end());
            s.periods.put(p, c);
            if (wasOpen) {
                // A new period closes the breaker of the old one.
                BudgetState.PeriodCounter closed = c;
                // Not waited for under the lock; refused (writer full), the load ignores a breaker stored for an earlier window.
                writer.offer(store.upsertBreaker(s.budget.budgetId(), p, closed.window.start(), "closed", now, null));
                String id = s.budget.budgetId();
                events.add(() -> fire(l -> l.onBudgetChanged(id)));
                Money spent = Money.ofMicros(c.spentMicros);
                Money limit = s.budget.limits().get(p);
                events.add(() -> fire(l -> l.onBreaker(id, p, false, spent, limit)));
            }
        }
    }

    private List<BudgetState> matching(String component, String provider, String model, String taskType) {
        List<BudgetState> out = new ArrayList<>();
        for (BudgetState s : budgets.values()) {
            if (s.budget.active() && s.budget.scope().matches(component, provider, model, taskType)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Snapshot of (spent + reserved) per period, before a change, for crossing detection. */
    private static Map<Period, Long> used(BudgetState s) {
        Map<Period, Long> m = new HashMap<>();
        s.periods.forEach((p, c) -> m.put(p, c.spentMicros + s.reservedMicros));
        return m;
    }

    private void afterChange(BudgetState s, Map<Period, Long> before, Instant now, boolean countRepeats,
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
                breakerEvents.add(() -> fire(l -> l.onBreaker(b.budgetId(), p, true, spent, limit)));
            }
        }
    }

    // ---- checks and reservations ---------------------------------------------------------

    /** The unified decision; with {@code reserve} and an allowed decision, also the hold. */
    public CheckResult check(CheckInput in) {
        Instant now = now();
        Money estimate = estimate(in);
        checksTotal.incrementAndGet();
        List<Runnable> events = new ArrayList<>();
        AlertBook.Outcome out = AlertBook.Outcome.empty();
        CompletableFuture<Void> f = null;
        Decision decision;
        Long remaining = null;
        Reservation hold = null;
        List<BudgetState> matched;
        lock.lock();
        try {
            expireDue(now, events);
            matched = matching(in.component(), in.provider(), in.model(), in.taskType());
            List<Reason> reasons = new ArrayList<>();
            for (BudgetState s : matched) {
                roll(s, now, events);
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
            decision = Monitors.decide(reasons);
            if (decision instanceof Decision.Block) {
                blocksTotal.incrementAndGet();
                for (Reason r : reasons) {
                    // With the writer full, a later blocked check raises the alert: nothing is marked fired unstored.
                    if (r.level() == Reason.Level.BLOCK && writer.hasRoom()) {
                        BudgetState s = budgets.get(r.budgetId());
                        alerts.blocked(s.budget, r.period(), s.periods.get(r.period()).window.start(), r.monitor(),
                                r.detail(), now, out, outbox);
                    }
                }
            } else if (in.reserve()) {
                long ttl = in.reservationTtlSeconds() != null ? in.reservationTtlSeconds()
                        : cfg.defaultReservationTtl().toSeconds();
                if (ttl > cfg.maxReservationTtl().toSeconds()) {
                    throw PeniaException.invalid("reservation_ttl_seconds",
                            "must be at most " + cfg.maxReservationTtl().toSeconds());
                }
                checkHoldRoom(matched, estimate);
                requireRoom();
                hold = new Reservation(Ids.next("res", now.toEpochMilli()), in.component(), in.provider(), in.model(),
                        estimate, matched.stream().map(s -> s.budget.budgetId()).toList(), now, now.plusSeconds(ttl),
                        Reservation.ACTIVE);
                for (BudgetState s : matched) {
                    Map<Period, Long> before = used(s);
                    s.reservedMicros = Math.addExact(s.reservedMicros, estimate.micros());
                    afterChange(s, before, now, false, out);
                }
                reservations.put(hold.reservationId(), hold);
                expiries.add(hold);
                List<LedgerWriter.Write> writes = new ArrayList<>();
                writes.add(store.insertReservation(hold));
                writes.addAll(out.writes());
                f = writer.offer(all(writes));
            }
            if (f == null && !out.writes().isEmpty()) {
                // Alerts and suppression counts are awaited: whoever reads after the answer sees them.
                f = writer.offer(all(out.writes()));
            }
        } finally {
            unlockAndFire(events);
        }
        if (f != null && hold == null) {
            await(f);
        } else if (f != null) {
            Reservation h = hold;
            awaitOrUndo(f, () -> {
                Reservation live = reservations.remove(h.reservationId());
                if (live != null) {
                    expiries.remove(live);
                    releaseHold(live);
                }
            });
            Reservation done = hold;
            fire(l -> l.onReservation(done));
            for (BudgetState s : matched) {
                String id = s.budget.budgetId();
                fire(l -> l.onBudgetChanged(id));
            }
        }
        publish(out.alerts());
        CheckResult result = new CheckResult(decision, remaining == null ? null : Money.ofMicros(remaining), estimate, hold);
        fire(l -> l.onCheck(in, result));
        return result;
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
        Money priced = pricer.price(in.provider(), in.model(), input, output, 0, 0, 0)
                .map(Pricer.Priced::cost)
                .orElseThrow(() -> new PeniaException(ErrorCode.INVALID_ARGUMENT,
                        "model '" + in.model() + "' has no price; give estimated_cost",
                        Map.of("field", "model", "model", in.model())));
        Money.checkRecordCost("estimated_cost", priced);
        return priced;
    }

    /** Refuses a hold that would put more than {@link Money#MAX_MICROS} on hold on any budget; changes nothing. */
    private static void checkHoldRoom(List<BudgetState> matched, Money estimate) {
        for (BudgetState s : matched) {
            if (estimate.micros() > Money.MAX_MICROS - s.reservedMicros) {
                throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "estimated_cost: the hold would put more than "
                        + Money.MAX_MICROS / 1_000_000 + " USD on hold on budget '" + s.budget.budgetId()
                        + "' (it has " + Money.ofMicros(s.reservedMicros).usd().toPlainString() + " on hold)",
                        Map.of("field", "estimated_cost", "budget_id", s.budget.budgetId()));
            }
        }
    }

    /**
     * Refuses a record that would take the ledger's total cost past {@link Money#MAX_MICROS} or
     * its input or output tokens past {@link UsageInput#MAX_LEDGER_TOKENS}; changes nothing.
     */
    private void checkLedgerRoom(UsageRecord rec) {
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

    /**
     * What a component may still spend on a provider/model before any matching blocking
     * budget reaches its stop threshold; null when no budget matches. No side effects.
     */
    public Long remainingMicros(String component, String provider, String model) {
        return remainingMicros(component, provider, model, null);
    }

    /**
     * As {@link #remainingMicros(String, String, String)} for usage of a task type (null: the
     * default one, as a usage that names none is recorded).
     */
    public Long remainingMicros(String component, String provider, String model, String taskType) {
        taskType = UsageInput.taskType(taskType);
        String canonicalModel = CanonicalNames.model(provider, model);
        provider = CanonicalNames.provider(provider);
        model = canonicalModel;
        Instant now = now();
        Long remaining = null;
        List<Runnable> events = new ArrayList<>();
        lock.lock();
        try {
            for (BudgetState s : matching(component, provider, model, taskType)) {
                roll(s, now, events);
                if (s.budget.enforcement() != Enforcement.BLOCK) {
                    continue;
                }
                for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
                    long stopAt = java.math.BigDecimal.valueOf(s.budget.limits().get(e.getKey()).micros())
                            .multiply(java.math.BigDecimal.valueOf(Math.min(100, s.budget.stopPercent())))
                            .divide(java.math.BigDecimal.valueOf(100), 0, java.math.RoundingMode.FLOOR).longValue();
                    long left = e.getValue().breakerOpen ? 0 : stopAt - e.getValue().spentMicros - s.reservedMicros;
                    remaining = remaining == null ? left : Math.min(remaining, left);
                }
            }
        } finally {
            lock.unlock();
        }
        events.forEach(Runnable::run);
        return remaining;
    }

    /**
     * The providers this installation uses, canonical and sorted: those a budget's scope names
     * and those with usage in the window the engine holds in memory (the current month and
     * week). Model recommendations default to these. No side effects.
     */
    public java.util.SortedSet<String> providersInUse() {
        java.util.SortedSet<String> used = new java.util.TreeSet<>();
        lock.lock();
        try {
            for (BudgetState s : budgets.values()) {
                if (s.budget.scope().provider() != null) {
                    used.add(s.budget.scope().provider());
                }
            }
            Instant from = Instant.ofEpochSecond(rollups.windowStartSecond());
            // Usage may carry a timestamp ahead of the clock: the window's end is far enough out.
            rollups.forEachCoarse(from, from.plus(Duration.ofDays(3_660)), (bucket, d, a) -> {
                if (d.provider() != null) {
                    used.add(d.provider());
                }
            });
        } finally {
            lock.unlock();
        }
        return used;
    }

    /** Releases a hold before it expires; the held amount returns to every budget. */
    public Reservation release(String reservationId) {
        Instant now = now();
        CompletableFuture<Void> f;
        Reservation r;
        List<Runnable> events = new ArrayList<>();
        lock.lock();
        try {
            expireDue(now, events);
            requireRoom();
            r = reservations.remove(reservationId);
            if (r != null) {
                expiries.remove(r);
            }
            if (r == null) {
                Optional<Reservation> stored = store.findReservation(reservationId);
                if (stored.isEmpty()) {
                    throw PeniaException.notFound("reservation", reservationId);
                }
                throw new PeniaException(ErrorCode.CONFLICT, "reservation '" + reservationId + "' is already "
                        + stored.get().status(), Map.of("reservation_id", reservationId, "status", stored.get().status()));
            }
            releaseHold(r);
            f = writer.offer(store.closeReservation(reservationId, Reservation.RELEASED, now));
        } finally {
            unlockAndFire(events);
        }
        Reservation released = r;
        awaitOrUndo(f, () -> restoreHold(released));
        Reservation done = r.withStatus(Reservation.RELEASED);
        fire(l -> l.onReservation(done));
        for (String id : r.budgetIds()) {
            fire(l -> l.onBudgetChanged(id));
        }
        return done;
    }

    /** Holds the engine keeps for their expiry (each live hold once; settled and released ones are gone). */
    int holdsAwaitingExpiry() {
        lock.lock();
        try {
            return expiries.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many live holds count against this budget (Tekton's "active allocations"). */
    public int activeHolds(String budgetId) {
        lock.lock();
        try {
            int n = 0;
            for (Reservation r : reservations.values()) {
                n += r.budgetIds().contains(budgetId) ? 1 : 0;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    public Optional<Reservation> reservation(String id) {
        lock.lock();
        try {
            Reservation r = reservations.get(id);
            if (r != null) {
                return Optional.of(r);
            }
        } finally {
            lock.unlock();
        }
        return store.findReservation(id);
    }

    /** Puts back a hold whose release was not committed (a due one then expires as usual). */
    private void restoreHold(Reservation r) {
        if (reservations.putIfAbsent(r.reservationId(), r) == null) {
            expiries.add(r);
            for (String id : r.budgetIds()) {
                BudgetState s = budgets.get(id);
                if (s != null) {
                    s.reservedMicros += r.amount().micros();
                }
            }
        }
    }

    private void releaseHold(Reservation r) {
        for (String id : r.budgetIds()) {
            BudgetState s = budgets.get(id);
            if (s != null) {
                s.reservedMicros = Math.subtractExact(s.reservedMicros, r.amount().micros());
            }
        }
    }

    /** Expires every hold due at {@code now}; exact to the clock, called before each decision. */
    private void expireDue(Instant now, List<Runnable> events) {
        while (!expiries.isEmpty() && !expiries.first().expiresAt().isAfter(now)) {
            Reservation r = expiries.first();
            if (reservations.get(r.reservationId()) != r) {
                expiries.pollFirst();
                continue;
            }
            // Never waits under the lock: with the writer full the hold stays held (a little past its
            // time, never less) until a later call finds room for its close.
            if (refused(writer.offer(store.closeReservation(r.reservationId(), Reservation.EXPIRED, r.expiresAt())))) {
                return;
            }
            expiries.pollFirst();
            reservations.remove(r.reservationId());
            releaseHold(r);
            reservationsExpired.incrementAndGet();
            Reservation done = r.withStatus(Reservation.EXPIRED);
            events.add(() -> {
                fire(l -> l.onReservation(done));
                for (String id : done.budgetIds()) {
                    fire(l -> l.onBudgetChanged(id));
                }
            });
        }
    }

    // ---- recording ----------------------------------------------------------------------

    /**
     * Records a usage; returns after it is durable. The same request id with the same body
     * returns the same record, with another body it is a conflict; a hold settles once.
     */
    public RecordResult record(UsageInput in) {
        Instant now = now();
        Instant ts = in.timestamp() == null ? now : in.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        if (ts.isAfter(now.plus(cfg.maxTimestampSkew()))) {
            throw PeniaException.invalid("timestamp", "is in the future (more than "
                    + cfg.maxTimestampSkew().toSeconds() + " s of clock skew)");
        }
        if (ts.isBefore(now.minus(cfg.maxBackdate()))) {
            throw PeniaException.invalid("timestamp", "is more than " + cfg.maxBackdate().toDays()
                    + " days in the past (engine.max_backdate_days)");
        }
        Optional<RecordResult> replay = in.requestId() == null ? Optional.empty() : replay(in.requestId());
        Money cost;
        String source;
        String version = null;
        if (in.cost() != null) {
            cost = in.cost();
            source = "reported";
        } else {
            Optional<Pricer.Priced> priced = pricer.price(in.provider(), in.model(), in.inputTokens(), in.outputTokens(),
                    in.cachedInputTokens(), in.cacheWriteTokens(), in.reasoningTokens());
            cost = priced.map(Pricer.Priced::cost).orElse(Money.ZERO);
            Money.checkRecordCost("cost", cost);
            source = priced.isPresent() ? "computed" : "unpriced";
            version = priced.map(Pricer.Priced::priceVersion).orElse(null);
        }
        UsageRecord rec = new UsageRecord(0, Ids.next("rec", now.toEpochMilli()), in.requestId(), ts, in.component(),
                in.provider(), in.model(), in.taskType(), in.inputTokens(), in.outputTokens(), in.cachedInputTokens(),
                in.cacheWriteTokens(), in.reasoningTokens(), cost, source, version, in.reservationId());
        if (replay.isPresent()) {
            return sameBody(in, rec, replay.get().record());
        }
        String knownStatus = null;
        Reservation known = null;
        if (in.reservationId() != null) {
            lock.lock();
            try {
                known = reservations.get(in.reservationId());
            } finally {
                lock.unlock();
            }
            if (known == null) {
                known = store.findReservation(in.reservationId())
                        .orElseThrow(() -> PeniaException.notFound("reservation", in.reservationId()));
                knownStatus = known.status();
                if (Reservation.SETTLED.equals(knownStatus)) {
                    throw Idempotency.settledConflict(in.reservationId(), settlingRecord(in.reservationId()));
                }
            }
        }
        List<Runnable> events = new ArrayList<>();
        AlertBook.Outcome out = AlertBook.Outcome.empty();
        CompletableFuture<Void> f;
        Reservation settled = null;
        String reservationStatus = knownStatus;
        List<BudgetState> touched = new ArrayList<>();
        lock.lock();
        try {
            expireDue(now, events);
            if (in.requestId() != null && recentRequests.containsKey(in.requestId())) {
                CompletableFuture<UsageRecord> earlier = recentRequests.get(in.requestId());
                lock.unlock();
                try {
                    return sameBody(in, rec, await(earlier));
                } finally {
                    lock.lock();
                }
            }
            checkLedgerRoom(rec);
            requireRoom();
            if (in.reservationId() != null) {
                settled = reservations.remove(in.reservationId());
                if (settled != null) {
                    expiries.remove(settled);
                } else {
                    CompletableFuture<String> by = idempotency.settledBy(in.reservationId());
                    if (by != null) {
                        // Another record settled it (maybe still committing): the winner books, this one nothing.
                        lock.unlock();
                        try {
                            throw Idempotency.settledConflict(in.reservationId(), await(by));
                        } finally {
                            lock.lock();
                        }
                    }
                    reservationStatus = closedStatus(known, knownStatus, now);
                }
            }
            Map<BudgetState, Map<Period, Long>> before = new HashMap<>();
            Collection<BudgetState> affected = settled == null
                    ? matching(rec.component(), rec.provider(), rec.model(), rec.taskType())
                    : union(matching(rec.component(), rec.provider(), rec.model(), rec.taskType()),
                            settled.budgetIds());
            for (BudgetState s : affected) {
                roll(s, now, events);
                before.put(s, used(s));
            }
            if (settled != null) {
                // The actual cost replaces the hold.
                releaseHold(settled);
                reservationStatus = Reservation.SETTLED;
            }
            apply(rec, +1);
            for (BudgetState s : affected) {
                afterChange(s, before.get(s), now, false, out);
                touched.add(s);
            }
            if (anomalies.hasFindings()) {
                ForecastAlerts.anomalies(anomalies.drain(), Duration.ofSeconds(defaults.cooldownSeconds()), now, alerts,
                        out, outbox);
            }
            if ("unpriced".equals(source)) {
                alerts.unpriced(rec.provider(), rec.model(), Duration.ofSeconds(defaults.cooldownSeconds()), now, out,
                        outbox);
            }
            List<LedgerWriter.Write> writes = new ArrayList<>();
            writes.add(store.insertUsage(rec));
            if (settled != null) {
                writes.add(store.closeReservation(settled.reservationId(), Reservation.SETTLED, now));
            }
            writes.addAll(out.writes());
            f = writer.offer(all(writes));
            if (in.requestId() != null) {
                recentRequests.put(in.requestId(), f.thenApply(v -> rec));
            }
            if (settled != null) {
                idempotency.settling(settled.reservationId(), f.thenApply(v -> rec.recordId()));
            }
        } finally {
            unlockAndFire(events);
        }
        Reservation undoHold = settled;
        awaitOrUndo(f, () -> {
            apply(rec, -1);
            if (in.requestId() != null) {
                recentRequests.remove(in.requestId());
            }
            if (undoHold != null) {
                idempotency.undo(undoHold.reservationId());
            }
            if (undoHold != null && undoHold.expiresAt().isAfter(now())) {
                reservations.put(undoHold.reservationId(), undoHold);
                expiries.add(undoHold);
                for (String id : undoHold.budgetIds()) {
                    BudgetState s = budgets.get(id);
                    if (s != null) {
                        s.reservedMicros = Math.addExact(s.reservedMicros, undoHold.amount().micros());
                    }
                }
            }
        });
        recordsTotal.incrementAndGet();
        costTotalMicros.addAndGet(cost.micros());
        fire(l -> l.onUsage(rec));
        if (settled != null) {
            Reservation done = settled.withStatus(Reservation.SETTLED);
            fire(l -> l.onReservation(done));
        }
        for (BudgetState s : touched) {
            String id = s.budget.budgetId();
            fire(l -> l.onBudgetChanged(id));
        }
        publish(out.alerts());
        return new RecordResult(rec, true, reservationStatus);
    }

    private Collection<BudgetState> union(List<BudgetState> a, List<String> ids) {
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

    /**
     * A replayed request id: the stored record when the body is the same (telling the hold's
     * status now, if it named one), else a conflict naming the fields that differ.
     */
    private RecordResult sameBody(UsageInput in, UsageRecord candidate, UsageRecord stored) {
        List<String> differ = Idempotency.differences(in, candidate, stored);
        if (!differ.isEmpty()) {
            throw Idempotency.bodyConflict(in.requestId(), differ);
        }
        String holdStatus = stored.reservationId() == null ? null
                : reservation(stored.reservationId()).map(Reservation::status).orElse(null);
        return new RecordResult(stored, false, holdStatus);
    }

    /** The record that settled a hold: from memory for recent settles, else from the ledger. */
    private String settlingRecord(String reservationId) {
        CompletableFuture<String> by;
        lock.lock();
        try {
            by = idempotency.settledBy(reservationId);
        } finally {
            lock.unlock();
        }
        return by != null ? await(by) : store.findSettlingRecordId(reservationId).orElse(null);
    }

    /**
     * How a hold that is no longer live ended, when no record settled it: the stored status
     * once its close is durable; before that (its close is still being committed) expired if
     * its time is up, else released.
     */
    private static String closedStatus(Reservation known, String knownStatus, Instant now) {
        if (knownStatus != null && !Reservation.ACTIVE.equals(knownStatus)) {
            return knownStatus;
        }
        return known.expiresAt().isAfter(now) ? Reservation.RELEASED : Reservation.EXPIRED;
    }

    private Optional<RecordResult> replay(String requestId) {
        CompletableFuture<UsageRecord> earlier;
        lock.lock();
        try {
            earlier = recentRequests.get(requestId);
        } finally {
            lock.unlock();
        }
        if (earlier != null) {
            return Optional.of(new RecordResult(await(earlier), false, null));
        }
        return store.findByRequestId(requestId).map(r -> new RecordResult(r, false, null));
    }

    /** Adds ({@code sign} +1) or removes (-1) a record from the rollups and the counters. */
    private void apply(UsageRecord rec, int sign) {
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
        }
    }

    // ---- guardrail evaluation, breakers, alerts -----------------------------------------

    /**
     * Evaluates every budget now (the guardrail's periodic pass): rolls periods, opens
     * breakers, raises alerts. With {@code countRepeats}, thresholds already raised count
     * as suppressed repeats. Returns the alerts raised.
     */
    public List<Alert> evaluateAll(boolean countRepeats) {
        Instant now = now();
        List<Runnable> events = new ArrayList<>();
        AlertBook.Outcome out = AlertBook.Outcome.empty();
        CompletableFuture<Void> f = null;
        lock.lock();
        try {
            expireDue(now, events);
            requireRoom();
            for (BudgetState s : budgets.values()) {
                if (!s.budget.active()) {
                    continue;
                }
                roll(s, now, events);
                Map<Period, Long> before = used(s);
                afterChange(s, before, now, countRepeats, out);
                ForecastAlerts.evaluate(s, now, forecastCfg, alerts, out, outbox);
            }
            anomalies.advanceTo(now.getEpochSecond());
            ForecastAlerts.anomalies(anomalies.drain(), Duration.ofSeconds(defaults.cooldownSeconds()), now, alerts,
                    out, outbox);
            if (!out.writes().isEmpty()) {
                f = writer.offer(all(out.writes()));
            }
        } finally {
            unlockAndFire(events);
        }
        if (f != null) {
            await(f);
        }
        publish(out.alerts());
        return out.alerts();
    }

    /** Closes the breaker of a budget (every period, or one); it reopens only on new spend. */
    public Map<String, Object> resetBreaker(String budgetId, Period onlyPeriod) {
        Instant now = now();
        List<LedgerWriter.Write> writes = new ArrayList<>();
        List<String> reset = new ArrayList<>();
        List<Runnable> closed = new ArrayList<>();
        CompletableFuture<Void> f;
        List<Runnable> undo = new ArrayList<>();
        lock.lock();
        try {
            BudgetState s = state(budgetId);
            requireRoom();
            roll(s, now, new ArrayList<>());
            for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
                if (onlyPeriod != null && e.getKey() != onlyPeriod) {
                    continue;
                }
                BudgetState.PeriodCounter c = e.getValue();
                boolean wasOpen = c.breakerOpen;
                Instant wasChanged = c.breakerChangedAt;
                Long wasReset = c.resetSpentMicros;
                undo.add(() -> {
                    c.breakerOpen = wasOpen;
                    c.breakerChangedAt = wasChanged;
                    c.resetSpentMicros = wasReset;
                });
                if (c.breakerOpen) {
                    Period p = e.getKey();
                    Money spent = Money.ofMicros(c.spentMicros);
                    Money limit = s.budget.limits().get(p);
                    closed.add(() -> fire(l -> l.onBreaker(budgetId, p, false, spent, limit)));
                }
                c.breakerOpen = false;
                c.breakerChangedAt = now;
                c.resetSpentMicros = c.spentMicros;
                reset.add(e.getKey().wireName());
                writes.add(store.upsertBreaker(budgetId, e.getKey(), c.window.start(), "closed", now, c.spentMicros));
            }
            f = writer.offer(all(writes));
        } finally {
            lock.unlock();
        }
        awaitOrUndo(f, () -> undo.forEach(Runnable::run));
        closed.forEach(Runnable::run);
        fire(l -> l.onBudgetChanged(budgetId));
        return Map.of("budget_id", budgetId, "reset_periods", reset, "state", "closed", "reset_at", now.toString());
    }

    public Alert dismissAlert(String alertId) {
        Alert a = store.findAlert(alertId).orElseThrow(() -> PeniaException.notFound("alert", alertId));
        await(writer.submit(store.dismissAlert(alertId)));
        return a.withDismissed(true);
    }

    public List<Alert> alerts(String budgetId, String severity, Boolean dismissed, int limit) {
        return store.queryAlerts(budgetId, severity, dismissed, limit);
    }

    public long alertsSuppressed() {
        return alerts.suppressedTotal();
    }

    public long alertsRaised() {
        return alerts.raisedTotal();
    }

    private void publish(List<Alert> raised) {
        for (Runnable r; (r = breakerEvents.poll()) != null; ) {
            r.run();
        }
        for (Alert a : raised) {
            fire(l -> l.onAlert(a));
        }
    }

    // ---- views --------------------------------------------------------------------------

    /** The live view of one budget period. */
    public record PeriodStatus(Period period, Money spent, Money reserved, Money limit, Instant start, Instant end,
                               boolean breakerOpen, Money projected, Forecast forecast) {
    }

    /** The live status of a budget: each limited period of the current time. */
    public record BudgetStatus(Budget budget, List<PeriodStatus> periods) {
    }

    public BudgetStatus status(String budgetId) {
        Instant now = now();
        List<Runnable> events = new ArrayList<>();
        BudgetStatus st;
        lock.lock();
        try {
            expireDue(now, events);
            st = statusOf(state(budgetId), now, events);
        } finally {
            unlockAndFire(events);
        }
        return st;
    }

    public List<BudgetStatus> statuses() {
        Instant now = now();
        List<Runnable> events = new ArrayList<>();
        List<BudgetStatus> out = new ArrayList<>();
        lock.lock();
        try {
            expireDue(now, events);
            for (BudgetState s : budgets.values()) {
                out.add(statusOf(s, now, events));
            }
        } finally {
            unlockAndFire(events);
        }
        return out;
    }

    private BudgetStatus statusOf(BudgetState s, Instant now, List<Runnable> events) {
        roll(s, now, events);
        List<PeriodStatus> periods = new ArrayList<>();
        for (Map.Entry<Period, BudgetState.PeriodCounter> e : s.periods.entrySet()) {
            BudgetState.PeriodCounter c = e.getValue();
            periods.add(new PeriodStatus(e.getKey(), Money.ofMicros(c.spentMicros), Money.ofMicros(s.reservedMicros),
                    s.budget.limits().get(e.getKey()), c.window.start(), c.window.end(), c.breakerOpen,
                    Money.ofMicros(projected(c, now)), ForecastAlerts.forecast(s, e.getKey(), c, now)));
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
        return java.math.BigDecimal.valueOf(c.spentMicros).multiply(java.math.BigDecimal.valueOf(total))
                .divide(java.math.BigDecimal.valueOf(elapsed), 0, java.math.RoundingMode.HALF_UP).longValue();
    }

    /** Sums by a dimension of what a budget's scope matched in [from, to), from memory. */
    public Map<String, long[]> breakdown(String budgetId, Instant from, Instant to, String dimension) {
        lock.lock();
        try {
            Scope scope = state(budgetId).budget.scope();
            Map<String, long[]> out = new java.util.TreeMap<>();
            // Whole days at once: this runs under the engine lock, once per dimension.
            rollups.forEachCoarse(from, to, (bucket, d, a) -> {
                if (scope.matches(d.component(), d.provider(), d.model(), d.taskType())) {
                    String k = switch (dimension) {
                        case "provider" -> d.provider();
                        case "model" -> d.model();
                        default -> d.component();
                    };
                    long[] v = out.computeIfAbsent(k, x -> new long[4]);
                    v[0] = Math.addExact(v[0], a.costMicros);
                    v[1] = Math.addExact(v[1], a.inputTokens);
                    v[2] = Math.addExact(v[2], a.outputTokens);
                    v[3] = Math.addExact(v[3], a.count);
                }
            });
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** One slice of a usage summary: bucket start and dimensions with their sums. */
    public record Slice(long bucketSecond, String component, String provider, String model, String taskType,
                        long costMicros, long inputTokens, long outputTokens, long count) {
    }

    /**
     * Every (15-minute bucket, component, provider, model) sum in [from, to) matching the
     * filter: whole buckets from memory where the window is held there, from the stored
     * rollups before it; raw rows for the partial buckets at the edges.
     */
    public List<Slice> slices(LedgerStore.UsageFilter f) {
        return slices(f, false);
    }

    /**
     * As {@link #slices(LedgerStore.UsageFilter)}; when {@code byDay}, a whole local day (in the
     * engine's zone) held in memory comes as one slice per combination, keyed by the day's first
     * second, instead of its 96 buckets: for callers that group by day or not by time at all.
     * A month's summary then visits about 30 days instead of about 3,000 buckets per
     * combination (JFR: the per-bucket walk and its grouping were 80 % of a month's summary).
     */
    public List<Slice> slices(LedgerStore.UsageFilter f, boolean byDay) {
        Instant from = f.start();
        Instant to = f.end();
        List<Slice> out = new ArrayList<>();
        long firstWhole = from == null ? Long.MIN_VALUE / 2 : ceilBucket(from);
        long endWhole = to == null ? Long.MAX_VALUE / 2 : LedgerStore.bucketOf(to);
        if (firstWhole < endWhole) {
            wholeBuckets(f, firstWhole, endWhole, byDay, out);
            if (from != null && from.getEpochSecond() < firstWhole) {
                raw(new LedgerStore.UsageFilter(f.component(), f.provider(), f.model(), f.taskType(), from,
                        Instant.ofEpochSecond(firstWhole)), out);
            }
            if (to != null && to.isAfter(Instant.ofEpochSecond(endWhole))) {
                raw(new LedgerStore.UsageFilter(f.component(), f.provider(), f.model(), f.taskType(),
                        Instant.ofEpochSecond(endWhole), to), out);
            }
        } else {
            raw(f, out);
        }
        return out;
    }

    /**
     * Whole buckets [fromBucket, toBucket), oldest first: from the stored rollups before the
     * window the index holds, from memory after. (Reading the held part through JDBC too, as
     * for unaligned ends, cost a 1M-row summary over 100 ms in JFR, against 10 from memory.)
     */
    private void wholeBuckets(LedgerStore.UsageFilter f, long fromBucket, long toBucket, boolean byDay, List<Slice> out) {
        List<Slice> held = new ArrayList<>();
        long heldFrom;
        lock.lock();
        try {
            heldFrom = Math.max(fromBucket, rollups.windowStartSecond());
            Scope filter = new Scope(f.component(), f.provider(), f.model(), f.taskType());
            RollupIndex.Visitor add = (bucket, d, a) -> {
                if (filter.matches(d.component(), d.provider(), d.model(), d.taskType()) && a.count != 0) {
                    held.add(new Slice(bucket, d.component(), d.provider(), d.model(), d.taskType(), a.costMicros,
                            a.inputTokens, a.outputTokens, a.count));
                }
            };
            if (!byDay) {
                rollups.forEachBucket(heldFrom, toBucket, add);
            } else {
                // An open end (Long.MAX_VALUE / 2) is no Instant: end at the last bucket held.
                long to = Math.min(toBucket, rollups.endSecond());
                if (heldFrom < to) {
                    rollups.forEachCoarse(Instant.ofEpochSecond(heldFrom), Instant.ofEpochSecond(to), add);
                }
            }
        } finally {
            lock.unlock();
        }
        if (fromBucket < heldFrom) {
            for (LedgerStore.RollupRow r : store.sumRollups(f, fromBucket, Math.min(heldFrom, toBucket))) {
                out.add(slice(r));
            }
        }
        out.addAll(held);
    }

    private void raw(LedgerStore.UsageFilter f, List<Slice> out) {
        store.requireLive(f);
        for (LedgerStore.RollupRow r : store.sumRaw(f, true)) {
            out.add(slice(r));
        }
    }

    /** A stored row as a slice, its names canonical (rows stored before names were canonical merge with later ones). */
    private static Slice slice(LedgerStore.RollupRow r) {
        return new Slice(r.bucketSecond(), r.component(), CanonicalNames.provider(r.provider()),
                CanonicalNames.model(r.provider(), r.model()), r.taskType(), r.costMicros(), r.inputTokens(),
                r.outputTokens(), r.count());
    }

    private static long ceilBucket(Instant t) {
        long b = LedgerStore.bucketOf(t);
        return b == t.getEpochSecond() && t.getNano() == 0 ? b : b + LedgerStore.BUCKET_SECONDS;
    }

    /** Figures for /health, /metrics and status endpoints. */
    public record Stats(int budgets, int activeBudgets, int activeReservations, long recordsTotal, long costTotalMicros,
                        long checksTotal, long blocksTotal, long reservationsExpired, long alertsRaised,
                        long alertsSuppressed, int openBreakers, long writerCommits, long writerWrites,
                        long writerFailures, int writerQueued, long walFrames, long walRestarts, Instant startedAt) {
    }

    public Stats stats() {
        lock.lock();
        try {
            int active = 0;
            int open = 0;
            for (BudgetState s : budgets.values()) {
                active += s.budget.active() ? 1 : 0;
                for (BudgetState.PeriodCounter c : s.periods.values()) {
                    open += c.breakerOpen ? 1 : 0;
                }
            }
            return new Stats(budgets.size(), active, reservations.size(), recordsTotal.get(), costTotalMicros.get(),
                    checksTotal.get(), blocksTotal.get(), reservationsExpired.get(), alerts.raisedTotal(),
                    alerts.suppressedTotal(), open, writer.commits(), writer.writes(), writer.failures(),
                    writer.queued(), writer.walFrames(), writer.walRestarts(), startedAt);
        } finally {
            lock.unlock();
        }
    }

    public List<Map<String, Object>> cooldowns() {
        lock.lock();
        try {
            return alerts.cooldowns(now());
        } finally {
            lock.unlock();
        }
    }

    // ---- plumbing -----------------------------------------------------------------------

    private static LedgerWriter.Write all(List<LedgerWriter.Write> writes) {
        List<LedgerWriter.Write> copy = List.copyOf(writes);
        return s -> {
            for (LedgerWriter.Write w : copy) {
                w.apply(s);
            }
        };
    }

    /**
     * Refuses a change before it is made when the writer has no room for its write (issue 18):
     * the engine never waits for room under its lock, and a write it cannot queue must leave
     * nothing changed in memory. (A write refused all the same, the room taken meanwhile by a
     * writer outside the lock, is undone after the unlock like a failed commit.)
     */
    private void requireRoom() {
        if (!writer.hasRoom()) {
            throw busy();
        }
    }

    /** A write the writer's full queue refused: 503 {@code unavailable}, to be retried in a second. */
    private static PeniaException busy() {
        return new PeniaException(ErrorCode.UNAVAILABLE, "the ledger writer is busy (its queue is full); retry in 1 s",
                Map.of("retry_after_seconds", 1));
    }

    /** True when the writer's full queue refused the write at once (it is not applied). */
    private static boolean refused(CompletableFuture<Void> f) {
        return f.state() == java.util.concurrent.Future.State.FAILED
                && f.exceptionNow() instanceof LedgerWriter.QueueFull;
    }

    /**
     * Leaves the lock, then runs the events collected under it (issue 18): from the finally of
     * the locked block, so that a method throwing (or returning) inside the lock, or failing
     * later, still delivers what its expiries and rollovers did.
     */
    private void unlockAndFire(List<Runnable> events) {
        lock.unlock();
        List<Runnable> due = List.copyOf(events);
        events.clear();
        due.forEach(Runnable::run);
    }

    private void awaitOrUndo(CompletableFuture<Void> f, Runnable undo) {
        try {
            await(f);
        } catch (RuntimeException e) {
            lock.lock();
            try {
                undo.run();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /**
     * Waits for a commit without a time limit, and without giving up when interrupted. A timed
     * wait (it was {@code get(30 s)}) made every parked request virtual thread schedule and
     * cancel a timer in the carrier pool's delay scheduler: A/B on check+settle, 4 rounds,
     * 20-37 µs less request-thread CPU per request without it. The writer completes every
     * future it accepted (committed, failed, or refused when closed), so no wait is left
     * hanging; and a write that is queued will be committed or not whatever this thread is
     * told, so the in-memory state is undone only when the ledger says it failed (an
     * interrupt is kept for the caller).
     */
    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException | CancellationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof PeniaException pe) {
                throw pe;
            }
            if (c instanceof LedgerWriter.QueueFull) {
                throw busy();
            }
            throw new StoreException("ledger write failed: " + c.getMessage(), c);
        }
    }

    private void fire(java.util.function.Consumer<EngineListener> event) {
        for (EngineListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "listener failed", e);
            }
        }
    }

    private void sweepSafely() {
        try {
            Instant now = now();
            List<Runnable> events = new ArrayList<>();
            lock.lock();
            try {
                expireDue(now, events);
                Instant ws = windowStart(now);
                if (ws.getEpochSecond() > rollups.windowStartSecond()) {
                    rollups.advanceWindow(ws);
                    alerts.prune(ws);
                    // Profiles are rebuilt from the new window, as a restart would build them.
                    budgets.values().forEach(s -> s.profile = null);
                }
            } finally {
                lock.unlock();
            }
            events.forEach(Runnable::run);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "sweep failed", e);
        }
    }

    private void evaluateSafely() {
        try {
            evaluateAll(false);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "periodic evaluation failed", e);
        }
    }

    /** Stops the sweeper, then commits every queued write. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        writer.close();
    }
}
