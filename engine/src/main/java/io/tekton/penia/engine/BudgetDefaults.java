package io.tekton.penia.engine;

import java.util.List;

/** Thresholds new budgets start with; changed by {@code PUT /budget-alerts/thresholds}. */
public record BudgetDefaults(List<Integer> thresholds, int warningPercent, int stopPercent, long cooldownSeconds) {
    public BudgetDefaults {
        thresholds = List.copyOf(thresholds);
    }
}
