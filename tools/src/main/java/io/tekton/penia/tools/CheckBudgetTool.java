package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code check_budget}: the unified check-operation decision, optionally holding the estimate. */
public final class CheckBudgetTool extends AbstractTool {
    public CheckBudgetTool(BudgetEngine engine) {
        super(engine, "check_budget",
                "Ask before an LLM call whether a component may spend the estimated cost (or tokens, priced from the "
                        + "catalog). Both monitors must approve. With reserve=true an allowed estimate is held until "
                        + "record_usage settles it with the reservation_id.",
                obj(props("component", str("calling component"), "provider", str("LLM provider, e.g. openai"),
                        "model", str("model name, e.g. gpt-4o"),
                        "task_type", str("what the call is for, as record_usage will name it (default \"default\")"),
                        "estimated_cost", usd("estimated cost"),
                        "estimated_input_tokens", count("estimated prompt tokens"),
                        "estimated_output_tokens", count("estimated completion tokens"),
                        "reserve", bool("hold the estimate atomically when allowed"),
                        "reservation_ttl_seconds", count("how long the hold lasts")), List.of("component"), true),
                obj(props("decision", enumStr("allow, warn or block", List.of("allow", "warn", "block")),
                        "allowed", bool("true unless blocked"), "reasons", array("each monitor's judgement per budget period",
                                Map.of("type", "object")), "remaining", any("smallest remaining amount, USD"),
                        "estimated_cost", any("the estimate used, USD"), "reservation_id", str("hold id"),
                        "expires_at", str("hold expiry"), "error", errorProp()), List.of(), false),
                true);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        CheckInput in = Wire.check(args);
        Access.actFor(caller, in.component());
        return Views.check(engine.check(in));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return "decision: " + r.get("decision") + "; remaining: $" + r.get("remaining")
                + (r.get("reservation_id") != null ? "; reservation " + r.get("reservation_id") : "");
    }
}
