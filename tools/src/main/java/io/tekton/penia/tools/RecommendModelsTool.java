package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.price.RecommendRequest;
import io.tekton.penia.engine.price.Recommender;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.PriceWire;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code recommend_models}: cheaper models that fit the task, context and budget. */
public final class RecommendModelsTool extends AbstractTool {
    private final PriceBook prices;

    public RecommendModelsTool(BudgetEngine engine, PriceBook prices) {
        super(engine, "recommend_models",
                "Rank models from the price catalog that fit a kind of call: the task_type and "
                        + "required_capabilities (every model must have them all), the token estimates (the prompt "
                        + "must fit the context window), an optional max_cost per call and the component's remaining "
                        + "budget. Each pick comes with its estimated cost per call in USD, the savings against the "
                        + "current model and a reason.\n"
                        + "Answer: recommendations best first (at most limit, default " + RecommendRequest.DEFAULT_LIMIT
                        + "), each {provider, model, estimated_cost (USD per call), savings (USD per call against "
                        + "current_model; null without one, negative when dearer), fits_remaining_budget, reason}.\n"
                        + "Example: {\"task_type\":\"code\",\"estimated_input_tokens\":4000,\"estimated_output_tokens\""
                        + ":800,\"current_provider\":\"anthropic\",\"current_model\":\"claude-sonnet-4-5\",\"limit\":3}"
                        + " -> {\"recommendations\":[{\"provider\":\"...\",\"model\":\"...\",\"estimated_cost\":0.0021,"
                        + "\"savings\":0.0119,\"fits_remaining_budget\":true,\"reason\":\"...\"},...],\"count\":3}",
                obj(props("task_type", enumStr("what the model is for (some add required capabilities: vision, "
                                        + "reasoning, function_calling, ...)", sorted(Recommender.TASK_TYPES.keySet())),
                        "required_capabilities", with(array("capabilities every model must have",
                                enumStr("capability", sorted(Recommender.KNOWN_CAPABILITIES))),
                                "maxItems", RecommendRequest.MAX_CAPABILITIES, "uniqueItems", true),
                        "estimated_input_tokens", pricedTokens("prompt tokens per call"),
                        "estimated_output_tokens", pricedTokens("completion tokens per call"),
                        "max_cost", with(usd("the most one call may cost"), "maximum", 1_000_000_000_000L),
                        "current_provider", str("provider used today", "anthropic"),
                        "current_model", str("model used today (savings are computed against it)",
                                "claude-sonnet-4-5"),
                        "component", str("component whose remaining budget the picks must fit"),
                        "providers", with(array("providers to consider; default: those with a budget or usage in "
                                        + "this Penia (and current_provider); [\"*\"]: every provider",
                                str("provider name")), "maxItems", RecommendRequest.MAX_PROVIDERS,
                                "uniqueItems", true),
                        "allow_weaker", with(bool("also offer models of a lower quality tier than current_model"),
                                "default", false),
                        "limit", with(count("how many recommendations at most"), "minimum", 1,
                                "maximum", RecommendRequest.MAX_LIMIT, "default", RecommendRequest.DEFAULT_LIMIT)),
                        List.of("estimated_input_tokens", "estimated_output_tokens"), true),
                result(props("recommendations", array("ranked models, best first", out("one recommended model", props(
                                "provider", str("provider"), "model", str("model"),
                                "estimated_cost", usd("estimated cost of one call"),
                                "savings", nullable(signedUsd("per call against the current model (negative: dearer)")),
                                "fits_remaining_budget", bool("whether one call fits the component's remaining budget"),
                                "reason", str("why this model, in a sentence"),
                                "quality_tier", nullable(with(Map.of("type", "integer", "description",
                                        "quality tier for the task, 1 (basic) to 6 (frontier)"), "minimum", 1,
                                        "maximum", 6)),
                                "route_count", count("how many providers or regions offer this model"),
                                "other_routes", array("dearer routes to the same model (at most 5)", out("a route",
                                        props("provider", str("provider"), "model", str("model id there"),
                                                "estimated_cost", usd("estimated cost of one call there")),
                                        List.of("provider", "model", "estimated_cost")))),
                                List.of("provider", "model", "estimated_cost", "fits_remaining_budget", "reason"))),
                        "count", count("how many recommendations"),
                        "providers", array("the providers considered ([\"*\"]: every provider)",
                                str("provider name"))),
                        List.of("recommendations", "count")),
                false);
        this.prices = prices;
        hints(ToolHints.reads("Recommend cheaper LLM models"));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        // The REST rule: a component key asks for its own component only (its remaining budget decides the fit).
        return PriceWire.recommend(engine, prices, Access.scoped(caller, args));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return summarize(Map.of(), r);
    }

    /** "Best fit: openai/gpt-4.1-mini at $0.0021 per call, $0.0119 less than claude-sonnet-4-5 (3 models ranked)". */
    @Override
    public String summarize(Map<String, Object> args, Map<String, Object> r) {
        List<Map<String, Object>> recs = Say.list(r, "recommendations");
        if (recs.isEmpty()) {
            return "No model in the catalog fits these requirements";
        }
        Map<String, Object> best = recs.getFirst();
        StringBuilder s = new StringBuilder("Best fit: ").append(Say.model(best, "provider", "model")).append(" at ")
                .append(Say.usd(best.get("estimated_cost"))).append(" per call");
        BigDecimal savings = Say.decimal(best.get("savings"));
        if (savings != null) {
            s.append(savings.signum() >= 0 ? ", " + Say.usd(savings) + " less than "
                    : ", " + Say.usd(savings.negate()) + " more than ").append(args.getOrDefault("current_model",
                    "the current model"));
        }
        if (Boolean.FALSE.equals(best.get("fits_remaining_budget"))) {
            s.append(", but it exceeds the remaining budget");
        }
        return s.append(" (").append(Say.plural(recs.size(), "model")).append(" ranked)").toString();
    }
}
