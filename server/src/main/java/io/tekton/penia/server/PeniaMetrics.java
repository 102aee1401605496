package io.tekton.penia.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.EngineListener;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.CommitTimes;
import io.tekton.penia.engine.store.CommitQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Penia's {@code /metrics}: a Micrometer Prometheus registry with the server's own meters (checks
 * by decision, usage and cost by provider, model and component, budget gauges, holds, breakers,
 * alerts and their deliveries, the ledger writer, WebSocket and MCP sessions) and the JVM and
 * process binders. Label values that callers choose (provider, model, component) are capped: past
 * the cap a new value counts as {@code other}, so a client cannot add series without bound.
 */
public final class PeniaMetrics implements EngineListener {
    /** Distinct values kept per caller-chosen label before new ones count as {@code other}. */
    public static final int COMPONENT_CAP = 100;
    public static final int PROVIDER_CAP = 30;
    public static final int MODEL_CAP = 150;
    /** Budgets with their own gauges (the first ones by id; admins create budgets, so this is generous). */
    public static final int BUDGET_CAP = 500;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final BudgetEngine engine;
    private final CommitQueue writer;
    private final LabelCap components = new LabelCap(COMPONENT_CAP);
    private final LabelCap providers = new LabelCap(PROVIDER_CAP);
    private final LabelCap models = new LabelCap(MODEL_CAP);
    /** provider, model, component → records, cost µ$, input tokens, output tokens (strongly held for the function counters). */
    private final Map<List<String>, LongAdder[]> usage = new ConcurrentHashMap<>();
    private final Map<String, Counter> checks = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> deliveries = new ConcurrentHashMap<>();
    private final MultiGauge budgetSpent;
    private final MultiGauge budgetHeld;
    private final MultiGauge budgetLimit;

    public PeniaMetrics(BudgetEngine engine, CommitQueue writer, IntSupplier websocketClients, IntSupplier mcpSessions) {
        this.engine = engine;
        this.writer = writer;
        // promtool's lint: no abbreviated unit (process_cpu_time_ns_total), no _count on a gauge (system_cpu_count).
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
        for (String d : List.of("allow", "warn", "block")) {
            checks.put(d, Counter.builder("penia.checks").description("Budget checks by decision")
                    .tag("decision", d).register(registry));
        }
        for (String state : List.of("open", "closed")) {
            Counter.builder("penia.breaker.transitions").description("Circuit breakers that opened or closed")
                    .tag("state", state).register(registry);
        }
        budgetSpent = MultiGauge.builder("penia.budget.spent.usd")
                .description("Spend of each budget in its current period, USD").register(registry);
        budgetHeld = MultiGauge.builder("penia.budget.held.usd")
                .description("Active holds (reservations) against each budget, USD").register(registry);
        budgetLimit = MultiGauge.builder("penia.budget.limit.usd")
                .description("Limit of each budget period, USD").register(registry);
        Gauge.builder("penia.budgets.active", engine, e -> e.stats().activeBudgets())
                .description("Active budgets").register(registry);
        Gauge.builder("penia.reservations.active", engine, e -> e.stats().activeReservations())
                .description("Holds not yet settled, released or expired").register(registry);
        FunctionCounter.builder("penia.reservations.expired", engine, e -> e.stats().reservationsExpired())
                .description("Holds that expired").register(registry);
        Gauge.builder("penia.breakers.open", engine, e -> e.stats().openBreakers())
                .description("Open circuit breakers (budget periods)").register(registry);
        FunctionCounter.builder("penia.alerts", engine, e -> e.stats().alertsRaised())
                .description("Alerts raised since start").register(registry);
        FunctionCounter.builder("penia.alerts.suppressed", engine, e -> e.stats().alertsSuppressed())
                .description("Repeated alerts suppressed").register(registry);
        CommitQueue w = writer;
        FunctionCounter.builder("penia.ledger.commits", w, CommitQueue::commits)
                .description("Group commits of the ledger writer").register(registry);
        FunctionCounter.builder("penia.ledger.writes", w, CommitQueue::writes)
                .description("Writes committed by the ledger writer").register(registry);
        FunctionCounter.builder("penia.ledger.write.failures", w, CommitQueue::failures)
                .description("Group commits the database refused").register(registry);
        Gauge.builder("penia.ledger.queued", w, CommitQueue::queued)
                .description("Writes waiting for the ledger writer").register(registry);
        Gauge.builder("penia.ledger.wal.frames", w, CommitQueue::walFrames)
                .description("Frames (4 KB pages) in the SQLite WAL at the last checkpoint").register(registry);
        FunctionCounter.builder("penia.ledger.wal.restarts", w, CommitQueue::walRestarts)
                .description("Checkpoints by the ledger writer that let the WAL start again from its beginning")
                .register(registry);
        FunctionCounter.builder("penia.ledger.wal.restart.seconds", w, x -> x.walRestartNanos() / 1e9)
                .description("Time the ledger writer spent in its own checkpoints").register(registry);
        registry.getPrometheusRegistry().register(new CommitHistogram(w.commitTimes()));
        Gauge.builder("penia.websocket.connections", websocketClients, IntSupplier::getAsInt)
                .description("Connected WebSocket clients").strongReference(true).register(registry);
        Gauge.builder("penia.mcp.sessions", mcpSessions, IntSupplier::getAsInt)
                .description("Open MCP sessions").strongReference(true).register(registry);
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu.seconds", os, x -> x.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the process").register(registry);
        }
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The registry, for meters other parts add (request timers). */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4) of every meter, budget gauges refreshed. */
    public String scrape() {
        refreshBudgets();
        return registry.scrape();
    }

    /** Counts the attempts of alert deliveries: channel type, then delivered, retry or failed. */
    public void deliveryAttempt(String channel, String outcome) {
        deliveries.computeIfAbsent(List.of(channel, outcome), k -> Counter.builder("penia.alert.deliveries")
                .description("Alert delivery attempts by channel and outcome (failed: given up)")
                .tags("channel", channel, "outcome", outcome).register(registry)).increment();
    }

    @Override
    public void onUsage(UsageRecord r) {
        LongAdder[] a = usage.computeIfAbsent(List.of(providers.of(r.provider()), models.of(r.model()),
                components.of(r.component())), this::usageMeters);
        a[0].increment();
        a[1].add(r.cost().micros());
        a[2].add(r.inputTokens());
        a[3].add(r.outputTokens());
    }

    private LongAdder[] usageMeters(List<String> key) {
        LongAdder[] a = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
        Tags tags = Tags.of("provider", key.get(0), "model", key.get(1), "component", key.get(2));
        FunctionCounter.builder("penia.usage.records", a[0], LongAdder::sum).tags(tags)
                .description("Usage records stored since start").register(registry);
        FunctionCounter.builder("penia.cost.usd", a[1], x -> Money.ofMicros(x.sum()).usd().doubleValue()).tags(tags)
                .description("Cost recorded since start, USD").register(registry);
        FunctionCounter.builder("penia.tokens", a[2], LongAdder::sum).tags(tags.and("direction", "input"))
                .description("Tokens recorded since start").register(registry);
        FunctionCounter.builder("penia.tokens", a[3], LongAdder::sum).tags(tags.and("direction", "output"))
                .description("Tokens recorded since start").register(registry);
        return a;
    }

    @Override
    public void onCheck(CheckInput input, CheckResult result) {
        Counter c = checks.get(result.decision().wireName());
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void onBreaker(String budgetId, Period period, boolean open, Money spent, Money limit) {
        registry.counter("penia.breaker.transitions", "state", open ? "open" : "closed").increment();
    }

    private void refreshBudgets() {
        List<MultiGauge.Row<?>> spent = new ArrayList<>();
        List<MultiGauge.Row<?>> held = new ArrayList<>();
        List<MultiGauge.Row<?>> limit = new ArrayList<>();
        try {
            List<BudgetStatus> all = engine.statuses();
            for (BudgetStatus b : all.subList(0, Math.min(all.size(), BUDGET_CAP))) {
                for (PeriodStatus p : b.periods()) {
                    Tags tags = Tags.of("budget_id", b.budget().budgetId(), "period", p.period().wireName());
                    spent.add(MultiGauge.Row.of(tags, p.spent().usd().doubleValue()));
                    held.add(MultiGauge.Row.of(tags, p.reserved().usd().doubleValue()));
                    limit.add(MultiGauge.Row.of(tags, p.limit().usd().doubleValue()));
                }
            }
        } catch (RuntimeException e) {
            // The ledger is unavailable: the budget gauges are left out of this scrape.
        }
        budgetSpent.register(spent, true);
        budgetHeld.register(held, true);
        budgetLimit.register(limit, true);
    }

    /** Keeps the first {@code cap} distinct values of a label; later new ones become {@code other}. */
    static final class LabelCap {
        private final int cap;
        private final Set<String> seen = ConcurrentHashMap.newKeySet();

        LabelCap(int cap) {
            this.cap = cap;
        }

        String of(String value) {
            String v = value == null || value.isEmpty() ? "none" : value;
            if (seen.contains(v)) {
                return v;
            }
            synchronized (this) {
                if (seen.size() < cap) {
                    seen.add(v);
                    return v;
                }
                return seen.contains(v) ? v : "other";
            }
        }
    }

    /**
     * {@code penia_ledger_commit_seconds}: the ledger writer's group-commit times, from its own
     * cumulative buckets (every commit since the database opened), as a Prometheus histogram.
     */
    private record CommitHistogram(CommitTimes times) implements Collector {
        @Override
        public MetricSnapshot collect() {
            long[] cumulative = times.cumulative();
            double[] bounds = new double[cumulative.length];
            long[] counts = new long[cumulative.length];
            for (int i = 0; i < cumulative.length; i++) {
                bounds[i] = i < CommitTimes.BOUNDS_MS.length ? CommitTimes.BOUNDS_MS[i] / 1000 : Double.POSITIVE_INFINITY;
                counts[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            }
            return HistogramSnapshot.builder().name("penia_ledger_commit_seconds")
                    .help("Group commits of the ledger writer, from the first write applied to the fsync done")
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                            .sum(times.sumNanos() / 1e9).build())
                    .build();
        }

        @Override
        public String getPrometheusName() {
            return "penia_ledger_commit_seconds";
        }
    }
}
