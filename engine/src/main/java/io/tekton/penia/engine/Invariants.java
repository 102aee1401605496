package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Period;

/**
 * The engine's invariants, checked always (not Java {@code assert}, which production runs
 * without), in the manner of TigerBeetle: a violation is a bug that would otherwise go on to
 * misstate money, so it is logged with the numbers and thrown as an {@link
 * IllegalStateException} (the call fails; tests fail loudly). Each check costs O(1) per budget
 * it names; callers check only the budgets they touched.
 */
final class Invariants {
    private static final System.Logger LOG = System.getLogger(BudgetEngine.class.getName());

    private Invariants() {
    }

    /** A budget's reserved and each period's spend are never negative. */
    static void countersNonNegative(BudgetState s, String after) {
        if (s.reservedMicros < 0) {
            fail("budget '" + s.budget.budgetId() + "' has reservedMicros=" + s.reservedMicros + " < 0 after " + after);
        }
        s.periods.forEach((p, c) -> {
            if (c.spentMicros < 0) {
                fail("budget '" + s.budget.budgetId() + "' " + p.wireName() + " has spentMicros=" + c.spentMicros
                        + " < 0 after " + after);
            }
        });
    }

    /** The open holds naming a budget sum to what its counters hold in reserve. */
    static void holdsMatchReserved(BudgetState s, long heldMicros, String after) {
        if (s.reservedMicros != heldMicros) {
            fail("budget '" + s.budget.budgetId() + "' has reservedMicros=" + s.reservedMicros
                    + " but its open holds sum to heldMicros=" + heldMicros + " after " + after);
        }
    }

    /** A period's spend equals the rollups' sum of its window (checked after load). */
    static void spentMatchesRollups(BudgetState s, Period p, long rollupMicros) {
        long spent = s.periods.get(p).spentMicros;
        if (spent != rollupMicros) {
            fail("budget '" + s.budget.budgetId() + "' " + p.wireName() + " has spentMicros=" + spent
                    + " but its rollups sum to rollupMicros=" + rollupMicros + " after load");
        }
    }

    /** The ledger's totals (cost micros, input, output tokens) are never negative. */
    static void ledgerTotalsNonNegative(long[] totals, String after) {
        if (totals[0] < 0 || totals[1] < 0 || totals[2] < 0) {
            fail("ledger totals costMicros=" + totals[0] + " inputTokens=" + totals[1] + " outputTokens=" + totals[2]
                    + " (one < 0) after " + after);
        }
    }

    private static void fail(String message) {
        String m = "engine invariant violated: " + message;
        LOG.log(System.Logger.Level.ERROR, m);
        throw new IllegalStateException(m);
    }
}
