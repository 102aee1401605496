package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.PriceWire;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code recommend_models}: cheaper models that fit the task, context and budget. */
public final class RecommendModelsTool extends AbstractTool {
    private final PriceBook prices;

    public RecommendModelsTool(BudgetEngine engine, PriceBook prices) {
        super(engine, "recommend_models",
                "Rank models from the price catalog that fit a task (task_type or required_capabilities), the token "
                        + "estimates (context window), an optional max_cost and the component's remaining budget, with "
                        + "savings against the current model and a reason for each.",
                obj(props("task_type", str("e.g. chat, code, reasoning, vision, agent"),
                        "required_capabilities", array("capabilities every model must have", Map.of("type", "string")),
                        "estimated_input_tokens", count("prompt tokens per call"),
                        "estimated_output_tokens", count("completion tokens per call"),
                        "max_cost", usd("most one call may cost"), "current_provider", str("provider used today"),
                        "current_model", str("model used today"), "component", str("component (for its budget)"),
                        "limit", count("how many")), List.of("estimated_input_tokens", "estimated_output_tokens"), true),
                obj(props("recommendations", array("ranked models", Map.of("type", "object")), "count", count("n"),
                        "error", errorProp()), List.of(), false),
                false);
        this.prices = prices;
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        // The REST rule: a component key asks for its own component only (its remaining budget decides the fit).
        return PriceWire.recommend(engine, prices, Access.scoped(caller, args));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        List<?> recs = (List<?>) r.get("recommendations");
        return recs.isEmpty() ? "no model fits" : recs.size() + " models; best: " + recs.getFirst();
    }
}
