package io.tekton.penia.bench.jmh;

import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.monitor.Reason;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pure decision: matching five budgets' scopes in memory and both monitors over the
 * matching periods, then combining the reasons. No lock, no engine, no I/O: the floor under
 * {@link EngineBench#decision}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class DecisionBench {
    List<Budget> budgets;
    long[] spentMicros;
    Money reserved = Money.ofMicros(1_234_567);
    Money estimate = Money.ofUsd("0.002");

    @Setup
    public void setUp() {
        Instant now = Instant.now();
        budgets = List.of(
                budget("global", Scope.GLOBAL, Map.of(Period.MONTHLY, "1000000"), now),
                budget("provider-openai", new Scope(null, "openai", null), Map.of(Period.MONTHLY, "1000000"), now),
                budget("provider-anthropic", new Scope(null, "anthropic", null), Map.of(Period.MONTHLY, "1000000"), now),
                budget("component-a", new Scope("bench-a", null, null),
                        Map.of(Period.DAILY, "100000", Period.MONTHLY, "1000000"), now),
                budget("component-b", new Scope("bench-b", null, null),
                        Map.of(Period.DAILY, "100000", Period.MONTHLY, "1000000"), now));
        spentMicros = new long[]{40_000_000_000L, 2_000_000_000L, 3_000_000_000L, 500_000_000L, 600_000_000L};
    }

    private static Budget budget(String id, Scope scope, Map<Period, String> limits, Instant now) {
        EnumMap<Period, Money> l = new EnumMap<>(Period.class);
        limits.forEach((p, usd) -> l.put(p, Money.ofUsd(usd)));
        return new Budget(id, id, scope, l, 80, 95, List.of(70, 80, 90, 100), Enforcement.BLOCK, true, 3600, List.of(),
                now, now);
    }

    @Benchmark
    public Decision matchAndJudge() {
        List<Reason> reasons = new ArrayList<>(8);
        for (int i = 0; i < budgets.size(); i++) {
            Budget b = budgets.get(i);
            if (!b.active() || !b.scope().matches("bench-a", "openai", "gpt-4o-mini", "default")) {
                continue;
            }
            Money spent = Money.ofMicros(spentMicros[i]);
            for (Map.Entry<Period, Money> e : b.limits().entrySet()) {
                reasons.add(Monitors.guardrail(b, e.getKey(), e.getValue(), spent, reserved, estimate, false));
                reasons.add(Monitors.realtime(b, e.getKey(), e.getValue(), spent, reserved, estimate));
            }
        }
        return Monitors.decide(reasons);
    }
}
