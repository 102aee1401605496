package io.tekton.penia.engine.monitor;

import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MonitorsTest {
    private static Budget budget(Enforcement e, int warning, int stop) {
        return new Budget("b", "b", Scope.GLOBAL, Map.of(Period.MONTHLY, Money.ofUsd("5")), warning, stop,
                List.of(70, 80, 90, 100), e, true, 3600, List.of(), Instant.EPOCH, Instant.EPOCH);
    }

    private static Decision decide(Budget b, String spent, String reserved, String estimate, boolean breaker) {
        Money limit = b.limits().get(Period.MONTHLY);
        return Monitors.decide(List.of(
                Monitors.guardrail(b, Period.MONTHLY, limit, Money.ofUsd(spent), Money.ofUsd(reserved), Money.ofUsd(estimate), breaker),
                Monitors.realtime(b, Period.MONTHLY, limit, Money.ofUsd(spent), Money.ofUsd(reserved), Money.ofUsd(estimate))));
    }

    /** Spent, reserved and the estimate against the $5 monthly limit: the decision each one gets. */
    @ParameterizedTest(name = "{0} warn {1}% stop {2}%: spent {3}, reserved {4}, estimate {5}, breaker {6} -> {7}")
    @CsvSource({
        // Exactly at stop is allowed (with a warning); one micro above is blocked.
        "BLOCK, 80, 100, 4.99, 0, 0.01, false, Warn",
        "BLOCK, 80, 100, 4.99, 0, 0.010001, false, Block",
        // Reserved counts like spent.
        "BLOCK, 80, 100, 0, 4.995, 0.01, false, Block",
        // Below the warning allows, at the warning warns.
        "BLOCK, 80, 95, 1, 0, 0.01, false, Allow",
        "BLOCK, 80, 95, 3.99, 0, 0.01, false, Warn",
        // A warn-mode budget warns but never blocks, not even with its breaker open.
        "WARN, 80, 95, 10, 0, 5, true, Warn"})
    void decision(Enforcement e, int warning, int stop, String spent, String reserved, String estimate, boolean breaker,
                  String expected) {
        assertThat(decide(budget(e, warning, stop), spent, reserved, estimate, breaker).getClass().getSimpleName())
                .isEqualTo(expected);
    }

    @Test
    void realtimeStopBelow100_blocksBeforeTheLimit() {
        Budget b = budget(Enforcement.BLOCK, 80, 95);
        Decision d = decide(b, "4.75", "0", "0.01", false);
        assertThat(d).isInstanceOf(Decision.Block.class);
        assertThat(d.reasons()).anyMatch(r -> r.monitor().equals("realtime") && r.level() == Reason.Level.BLOCK);
        assertThat(d.reasons()).anyMatch(r -> r.monitor().equals("guardrail") && r.level() != Reason.Level.BLOCK);
    }

    @Test
    void openBreaker_blocksEvenAZeroEstimate() {
        Budget b = budget(Enforcement.BLOCK, 80, 95);
        Decision d = decide(b, "0", "0", "0", true);
        assertThat(d).isInstanceOf(Decision.Block.class);
        assertThat(d.reasons()).anyMatch(r -> r.monitor().equals("guardrail") && r.level() == Reason.Level.BLOCK);
    }

    @Test
    void percent_hasTwoDecimals_andThresholdComparisonIsExact() {
        assertThat(Monitors.percent(1, 3)).isEqualByComparingTo("33.33");
        assertThat(Monitors.atOrAbove(4_000_000, 5_000_000, 80)).isTrue();
        assertThat(Monitors.atOrAbove(3_999_999, 5_000_000, 80)).isFalse();
    }

    @Test
    void longArithmetic_agreesWithBigDecimal_forThresholdsAndPercents_includingExtremes() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(20261124);
        long[] edge = {0, 1, 99, 100, 101, 999_999, 1_000_000, Long.MAX_VALUE / 20_000, Long.MAX_VALUE / 20_000 + 1,
            Long.MAX_VALUE / 100, Long.MAX_VALUE, -1, -1_000_000, Long.MIN_VALUE + 1};
        for (int i = 0; i < 200_000; i++) {
            long used = i < edge.length * edge.length ? edge[i % edge.length]
                    : switch (i % 3) {
                        case 0 -> rnd.nextLong(0, 10_000_000_000L);
                        case 1 -> rnd.nextLong();
                        default -> rnd.nextLong(0, 1_000_000);
                    };
            long limit = i < edge.length * edge.length ? edge[i / edge.length]
                    : i % 5 == 0 ? rnd.nextLong() : rnd.nextLong(1, 10_000_000_000L);
            int pct = rnd.nextInt(0, 201);
            java.math.BigDecimal u = java.math.BigDecimal.valueOf(used).multiply(java.math.BigDecimal.valueOf(100));
            java.math.BigDecimal l = java.math.BigDecimal.valueOf(limit).multiply(java.math.BigDecimal.valueOf(pct));
            assertThat(Monitors.atOrAbove(used, limit, pct)).as("%d vs %d%% of %d", used, pct, limit)
                    .isEqualTo(u.compareTo(l) >= 0);
            assertThat(Monitors.above(used, limit, pct)).as("%d vs %d%% of %d", used, pct, limit)
                    .isEqualTo(u.compareTo(l) > 0);
            if (limit > 0) {
                java.math.BigDecimal exact = u.divide(java.math.BigDecimal.valueOf(limit), 2, java.math.RoundingMode.HALF_UP);
                assertThat(Monitors.percent(used, limit)).as("percent of %d over %d", used, limit).isEqualTo(exact);
            }
        }
        // Half-way cases round up: 1/8 = 12.5 % exactly → 12.50; 1/800 = 0.125 % → 0.13.
        assertThat(Monitors.percent(1, 800)).isEqualTo(new java.math.BigDecimal("0.13"));
        assertThat(Monitors.percent(2, 3)).isEqualTo(new java.math.BigDecimal("66.67"));
    }
}
