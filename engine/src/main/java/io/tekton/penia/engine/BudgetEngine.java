package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.forecast.AnomalyConfig;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

/**
 * The budget engine: one set of budgets watched by both monitors, the usage ledger, holds
 * and alerts. A facade over its parts (see docs/ARCHITECTURE.md): {@link Counters} (budgets
 * and their counters), {@link Holds}, {@link Breakers} (and alerts), {@link BudgetBook}
 * (budget changes), {@link Checker}, {@link Recorder}, {@link BudgetViews}, {@link
 * UsageQueries} and {@link EngineStats}. Every decision and counter change happens under the
 * one lock of {@link EngineLock}, whose {@link EngineLock#mutate mutate} is the single path
 * of every change: check-and-hold is atomic, and the durable write is queued under the lock
 * (keeping ledger order) and awaited outside it, so concurrent callers share commits.
 */
public final class BudgetEngine implements AutoCloseable {
    private final EngineConfig cfg;
    private final LedgerStore store;
    private final CommitQueue writer;
    private volatile Pricer pricer;
    private final Listeners listeners = new Listeners();
    private final EngineLock lock;
    private final EngineStats stats = new EngineStats();
    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private final BudgetBook book;
    private final Checker checker;
    private final Recorder recorder;
    private final BudgetViews views;
    private final UsageQueries usage;
    private final Guardrail guardrail;
    private final Background background;
    private final EngineState state;
    private final Instant startedAt;

    private BudgetEngine(EngineConfig cfg, Storage storage, Pricer pricer) {
        this.cfg = cfg;
        this.store = storage.ledger();
        this.pricer = pricer;
        this.writer = storage.startWriter(cfg.writerQueueCapacity(), cfg.writerMaxBatch());
        this.lock = new EngineLock(writer, listeners);
        this.startedAt = cfg.clock().instant();
        EngineContext ctx = new EngineContext(cfg, store, writer, lock, listeners, stats);
        this.counters = new Counters(ctx, startedAt);
        this.holds = new Holds(ctx, counters);
        this.breakers = new Breakers(store, listeners);
        this.book = new BudgetBook(ctx, counters, holds, breakers);
        this.checker = new Checker(ctx, counters, holds, breakers, () -> this.pricer);
        this.recorder = new Recorder(ctx, counters, holds, breakers, book, () -> this.pricer);
        this.views = new BudgetViews(ctx, counters, holds);
        this.usage = new UsageQueries(ctx, counters);
        this.guardrail = new Guardrail(ctx, counters, holds, breakers, book);
        this.background = new Background(guardrail, cfg.evaluationInterval());
        this.state = new EngineState(store, counters, holds, breakers, book, recorder, guardrail);
    }

    /**
     * Opens the engine over a storage: starts its writer, loads budgets, rebuilds the counters of
     * the current periods from the ledger's rollups, reloads live holds, breakers and fired alerts.
     */
    public static BudgetEngine open(EngineConfig cfg, Storage storage, Pricer pricer) {
        BudgetEngine e = new BudgetEngine(cfg, storage, pricer);
        e.state.load(e.now());
        return e;
    }

    /**
     * Discards the whole in-memory state (budgets, counters, holds, breakers, fired alerts,
     * recent request ids, spend profiles and watches) and loads it again from the storage, as
     * {@link #open} does: for an instance that becomes the leader of several, whose ledger others
     * changed meanwhile. Under the engine lock, after every write queued before is committed or
     * failed (at most {@code drain}); {@code beforeLoad} runs then, under the lock (the caller's
     * fence for the new term's writes). Changes whose commits fail afterwards are not undone.
     */
    public void reload(Duration drain, Runnable beforeLoad) {
        lock.newTerm(drain, () -> {
            beforeLoad.run();
            state.clear(now());
            state.load(now());
        });
    }

    /** Starts the background sweeper: hold expiry and the guardrail's periodic evaluation. */
    public void start() {
        background.start();
    }

    public void addListener(EngineListener l) {
        listeners.add(l);
    }

    public void setAlertOutbox(AlertOutbox o) {
        breakers.setOutbox(o);
    }

    /** Sets how projected-overrun and anomaly alerts behave (issue 25); the defaults hold until then. */
    public void configureForecasting(ForecastConfig f, AnomalyConfig a) {
        guardrail.configureForecasting(f, a);
    }

    public void setPricer(Pricer p) {
        this.pricer = p;
    }

    public EngineConfig config() {
        return cfg;
    }

    /** The engine's time, in the millisecond precision the ledger stores. */
    public Instant now() {
        return counters.now();
    }

    // ---- budgets ------------------------------------------------------------------------

    public BudgetDefaults defaults() {
        return book.defaults();
    }

    /** Creates each budget if the database has never held one (the shipped seed). */
    public int seedIfEmpty(List<BudgetSpec> seed) {
        return book.seedIfEmpty(seed);
    }

    public Budget createBudget(BudgetSpec spec) {
        return book.create(spec);
    }

    public Budget updateBudget(String id, BudgetSpec spec) {
        return book.update(id, spec);
    }

    public Budget deleteBudget(String id) {
        return book.delete(id);
    }

    public Optional<Budget> budget(String id) {
        return lock.read(() -> Optional.ofNullable(counters.get(id)).map(s -> s.budget));
    }

    public List<Budget> budgets() {
        return book.budgets();
    }

    /** Applies new default thresholds to every budget and to budgets created later. */
    public BudgetDefaults setDefaults(BudgetDefaults d) {
        return book.setDefaults(d);
    }

    // ---- checks, holds, records ---------------------------------------------------------

    /** The unified decision; with {@code reserve} and an allowed decision, also the hold. */
    public CheckResult check(CheckInput in) {
        return checker.check(in);
    }

    /**
     * What a component may still spend on a provider/model for usage of a task type (null: the
     * default one, as a usage that names none is recorded) before any matching blocking budget
     * reaches its stop threshold; null when no budget matches. No side effects.
     */
    public Long remainingMicros(String component, String provider, String model, String taskType) {
        return views.remainingMicros(component, provider, model, taskType);
    }

    /**
     * The providers this installation uses, canonical and sorted: those a budget's scope names
     * and those with usage in the window the engine holds in memory (the current month and
     * week). Model recommendations default to these. No side effects.
     */
    public SortedSet<String> providersInUse() {
        return usage.providersInUse();
    }

    /** Releases a hold before it expires; the held amount returns to every budget. */
    public Reservation release(String reservationId) {
        return holds.release(reservationId);
    }

    /** Holds the engine keeps for their expiry (each live hold once; settled and released ones are gone). */
    int holdsAwaitingExpiry() {
        return lock.read(holds::awaitingExpiry);
    }

    /** How many live holds count against this budget (Tekton's "active allocations"). */
    public int activeHolds(String budgetId) {
        return lock.read(() -> holds.countFor(budgetId));
    }

    public Optional<Reservation> reservation(String id) {
        return holds.find(id);
    }

    /**
     * Records a usage; returns after it is durable. The same request id with the same body
     * returns the same record, with another body it is a conflict; a hold settles once.
     */
    public RecordResult record(UsageInput in) {
        return recorder.record(in);
    }

    // ---- guardrail evaluation, breakers, alerts -----------------------------------------

    /**
     * Evaluates every budget now (the guardrail's periodic pass): rolls periods, opens
     * breakers, raises alerts. With {@code countRepeats}, thresholds already raised count
     * as suppressed repeats. Returns the alerts raised.
     */
    public List<Alert> evaluateAll(boolean countRepeats) {
        return guardrail.evaluateAll(countRepeats);
    }

    /** Closes the breaker of a budget (every period, or one); it reopens only on new spend. */
    public Map<String, Object> resetBreaker(String budgetId, Period onlyPeriod) {
        Instant now = now();
        List<String> reset = guardrail.resetBreaker(budgetId, onlyPeriod, now);
        return Map.of("budget_id", budgetId, "reset_periods", reset, "state", "closed", "reset_at", now.toString());
    }

    public Alert dismissAlert(String alertId) {
        Alert a = store.findAlert(alertId).orElseThrow(() -> PeniaException.notFound("alert", alertId));
        EngineLock.await(writer.submit(store.dismissAlert(alertId)));
        return a.withDismissed(true);
    }

    public List<Alert> alerts(String budgetId, String severity, Boolean dismissed, int limit) {
        return store.queryAlerts(budgetId, severity, dismissed, limit);
    }

    public long alertsSuppressed() {
        return breakers.alerts.suppressedTotal();
    }

    public long alertsRaised() {
        return breakers.alerts.raisedTotal();
    }

    // ---- views --------------------------------------------------------------------------

    public BudgetStatus status(String budgetId) {
        return views.status(budgetId);
    }

    public List<BudgetStatus> statuses() {
        return views.statuses();
    }

    /** Sums by a dimension of what a budget's scope matched in [from, to), from memory. */
    public Map<String, long[]> breakdown(String budgetId, Instant from, Instant to, String dimension) {
        return usage.breakdown(budgetId, from, to, dimension);
    }

    /**
     * Every (15-minute bucket, component, provider, model) sum in [from, to) matching the
     * filter: whole buckets from memory where the window is held there, from the stored
     * rollups before it; raw rows for the partial buckets at the edges. When {@code byDay}, a whole local day (in the
     * engine's zone) held in memory comes as one slice per combination, keyed by the day's first
     * second, instead of its 96 buckets: for callers that group by day or not by time at all.
     * A month's summary then visits about 30 days instead of about 3,000 buckets per
     * combination (JFR: the per-bucket walk and its grouping were 80 % of a month's summary).
     */
    public List<UsageSlice> slices(LedgerStore.UsageFilter f, boolean byDay) {
        return usage.slices(f, byDay);
    }

    public EngineFigures stats() {
        return lock.read(() -> stats.snapshot(counters, holds, breakers.alerts, writer, startedAt));
    }

    public List<Map<String, Object>> cooldowns() {
        return lock.read(() -> breakers.alerts.cooldowns(now()));
    }

    // ---- background ---------------------------------------------------------------------

    /** Runs the background sweeper only while {@code leading} says so (hold expiry, guardrail). */
    public void sweepWhen(java.util.function.BooleanSupplier leading) {
        background.runWhen(leading);
    }

    /** Stops the sweeper, then commits every queued write. */
    @Override
    public void close() {
        background.close();
        writer.close();
    }
}
