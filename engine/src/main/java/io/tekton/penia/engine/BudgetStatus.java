package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Budget;
import java.util.List;

/** The live status of a budget: each limited period of the current time. */
public record BudgetStatus(Budget budget, List<PeriodStatus> periods) {
}
