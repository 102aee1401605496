package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;

import java.util.List;
import java.util.Optional;

/** The set of budget tools every adapter serves. */
public final class BudgetTools {
    private final List<PeniaTool> tools;

    public BudgetTools(BudgetEngine engine, PriceBook prices) {
        this.tools = List.of(new CheckBudgetTool(engine), new GetUsageSummaryTool(engine),
                new RecommendModelsTool(engine, prices), new SetAlertsTool(engine), new RecordUsageTool(engine),
                new ListBudgetsTool(engine), new GetBudgetStatusTool(engine));
    }

    private BudgetTools(List<PeniaTool> tools) {
        this.tools = List.copyOf(tools);
    }

    /** The same tools, each passed through {@code decorate} (the server wraps some to audit them). */
    public BudgetTools map(java.util.function.UnaryOperator<PeniaTool> decorate) {
        return new BudgetTools(tools.stream().map(decorate).toList());
    }

    public List<PeniaTool> all() {
        return tools;
    }

    public Optional<PeniaTool> find(String name) {
        return tools.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
