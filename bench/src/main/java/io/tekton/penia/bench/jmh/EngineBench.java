package io.tekton.penia.bench.jmh;

import io.tekton.penia.engine.EngineFigures;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.EngineConfig;
import io.tekton.penia.engine.Pricer;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StorageConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The engine in process, over a real SQLite file in WAL mode (synchronous=FULL), with five
 * budgets of which a call matches three (global, its provider, its component: four period
 * limits, eight monitor judgements). {@code decision} touches no disk; the others wait for
 * their group commit, like the REST handlers do.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EngineBench {

    /** One engine per trial, as in the server. */
    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Engine {
        Path dir;
        Storage db;
        BudgetEngine engine;
        CheckInput probe;
        CheckInput hold;
        UsageInput reported;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("penia-jmh");
            db = Storage.open(StorageConfig.sqlite(dir.resolve("bench.db"), 4));
            engine = BudgetEngine.open(EngineConfig.defaults(), db, Pricer.none());
            engine.start();
            budget("global", Scope.GLOBAL, Map.of(Period.MONTHLY, "1000000"));
            budget("provider-openai", new Scope(null, "openai", null), Map.of(Period.MONTHLY, "1000000"));
            budget("provider-anthropic", new Scope(null, "anthropic", null), Map.of(Period.MONTHLY, "1000000"));
            budget("component-a", new Scope("bench-a", null, null), Map.of(Period.DAILY, "100000", Period.MONTHLY, "1000000"));
            budget("component-b", new Scope("bench-b", null, null), Map.of(Period.DAILY, "100000", Period.MONTHLY, "1000000"));
            probe = new CheckInput("bench-a", "openai", "gpt-4o-mini", Money.ofUsd("0.002"), null, null, false, null);
            hold = new CheckInput("bench-a", "openai", "gpt-4o-mini", Money.ofUsd("0.002"), null, null, true, null);
            reported = usage(null);
            // Realistic counters: tens of thousands of dollars spent, so the monitors' exact
            // percentages have digits to divide (all-zero counters would flatter them).
            engine.record(new UsageInput("bench-a", "openai", "gpt-4o-mini", 1000, 100, 0, 0, 0,
                    Money.ofUsd("40123.456789"), null, null, null));
            engine.record(new UsageInput("bench-b", "anthropic", "claude-haiku-4-5", 1000, 100, 0, 0, 0,
                    Money.ofUsd("12345.678901"), null, null, null));
        }

        UsageInput usage(String reservationId) {
            return new UsageInput("bench-a", "openai", "gpt-4o-mini", 120, 30, 0, 0, 0, Money.ofUsd("0.00027"),
                    reservationId, null, null);
        }

        private void budget(String id, Scope scope, Map<Period, String> limits) {
            java.util.EnumMap<Period, Money> l = new java.util.EnumMap<>(Period.class);
            limits.forEach((p, usd) -> l.put(p, Money.ofUsd(usd)));
            engine.createBudget(BudgetSpec.builder().budgetId(id).name(id).scope(scope).limits(l).warningPercent(80)
                    .stopPercent(95).alertThresholds(List.of(70, 80, 90, 100)).enforcement(Enforcement.BLOCK)
                    .active(true).cooldownSeconds(3600L).build());
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            EngineFigures st = engine.stats();
            long up = java.time.Duration.between(st.startedAt(), engine.now()).toMillis();
            System.out.printf("%n[writer] %d writes in %d commits (%.1f per commit), %.2f ms per commit over %d ms%n",
                    st.writerWrites(), st.writerCommits(), (double) st.writerWrites() / Math.max(1, st.writerCommits()),
                    (double) up / Math.max(1, st.writerCommits()), up);
            engine.close();
            db.close();
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The unified decision without a hold: lock, expiry, matching, both monitors; no I/O. */
    @Benchmark
    public Decision decision(Engine s) {
        CheckResult r = s.engine.check(s.probe);
        return r.decision();
    }

    /** A check with a hold: the decision plus the durable reservation row (awaits its group commit). */
    @Benchmark
    public CheckResult checkReserve(Engine s) {
        return s.engine.check(s.hold);
    }

    /** A usage with a reported cost (no pricing), no hold: awaits its group commit. */
    @Benchmark
    public RecordResult recordReported(Engine s) {
        return s.engine.record(s.reported);
    }

    /** The normal pattern: check with a hold, then record against it (two group commits). */
    @Benchmark
    public RecordResult checkThenSettle(Engine s) {
        CheckResult r = s.engine.check(s.hold);
        return s.engine.record(s.usage(r.reservation().reservationId()));
    }
}
