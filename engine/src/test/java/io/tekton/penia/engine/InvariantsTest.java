package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;

import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import org.junit.jupiter.api.Test;

/** A broken invariant fails loudly, with the numbers (issue 19, item 5). */
class InvariantsTest {
    private static BudgetState state() {
        EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
        limits.put(Period.MONTHLY, Money.ofUsd("10"));
        BudgetSpec spec = BudgetSpec.builder().budgetId("inv").name("inv").scope(new Scope("c", null, null))
                .limits(limits).warningPercent(80).stopPercent(95).alertThresholds(List.of(70, 80, 90, 100))
                .enforcement(Enforcement.BLOCK).active(true).cooldownSeconds(3600L).build();
        Instant now = Instant.parse("2026-01-15T00:00:00Z");
        BudgetState s = new BudgetState(BudgetRules.build(spec, null, "inv", new BudgetDefaults(
                List.of(70, 80, 90, 100), 80, 95, 3600), now));
        BudgetState.PeriodCounter c = new BudgetState.PeriodCounter();
        c.window = Period.MONTHLY.window(now, java.time.ZoneOffset.UTC);
        s.periods.put(Period.MONTHLY, c);
        return s;
    }

    @Test
    void negativeReserved_throwsWithTheNumbers() {
        BudgetState s = state();
        s.reservedMicros = -5;
        assertThatThrownBy(() -> Invariants.countersNonNegative(s, "release"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'inv'").hasMessageContaining("reservedMicros=-5").hasMessageContaining("release");
    }

    @Test
    void negativeSpend_throwsWithTheNumbers() {
        BudgetState s = state();
        s.periods.get(Period.MONTHLY).spentMicros = -7;
        assertThatThrownBy(() -> Invariants.countersNonNegative(s, "undo of apply"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("monthly has spentMicros=-7");
    }

    @Test
    void holdsNotSummingToReserved_throwWithBothNumbers() {
        BudgetState s = state();
        s.reservedMicros = 10;
        assertThatThrownBy(() -> Invariants.holdsMatchReserved(s, 7, "hold"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reservedMicros=10").hasMessageContaining("heldMicros=7");
    }

    @Test
    void spendOffItsRollups_throwsWithBothNumbers() {
        BudgetState s = state();
        s.periods.get(Period.MONTHLY).spentMicros = 3;
        assertThatThrownBy(() -> Invariants.spentMatchesRollups(s, Period.MONTHLY, 4))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("spentMicros=3").hasMessageContaining("rollupMicros=4");
    }

    @Test
    void negativeLedgerTotals_throw() {
        assertThatThrownBy(() -> Invariants.ledgerTotalsNonNegative(new long[]{0, -1, 0}, "load"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inputTokens=-1");
    }
}
