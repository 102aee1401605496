package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code record_usage}: store what an LLM call cost (durable before the answer). */
public final class RecordUsageTool extends AbstractTool {
    public RecordUsageTool(BudgetEngine engine) {
        super(engine, "record_usage",
                "Record the usage of one LLM call. input_tokens counts every prompt token (cached and cache-written "
                        + "included); output_tokens includes reasoning tokens. Without cost, the cost is computed from the "
                        + "price catalog. request_id makes the call idempotent; reservation_id settles a hold.",
                obj(props("component", str("calling component"), "provider", str("LLM provider"), "model", str("model"),
                        "task_type", str("what the call was for, free text such as chat or code (default \"default\")"),
                        "input_tokens", count("all prompt tokens"), "output_tokens", count("all completion tokens"),
                        "cached_input_tokens", count("prompt tokens read from cache"),
                        "cache_write_tokens", count("prompt tokens written to cache"),
                        "reasoning_tokens", count("reasoning tokens (part of output)"), "cost", usd("actual cost if known"),
                        "reservation_id", str("hold to settle"), "request_id", str("idempotency key"),
                        "timestamp", str("ISO-8601 time of the call (default now); at most 5 minutes ahead, "
                                + "and 400 days back by default")),
                        List.of("component", "provider", "model", "input_tokens", "output_tokens"), true),
                obj(props("record_id", str("ledger id"), "cost", any("USD"), "cost_source",
                        enumStr("how the cost was found", List.of("reported", "computed", "unpriced")),
                        "price_version", any("price version used"), "error", errorProp()), List.of(), false),
                true);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        UsageInput in = Wire.usage(args);
        return Views.recordResult(Access.record(engine, caller, in));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return "recorded " + r.get("record_id") + ": $" + r.get("cost") + " (" + r.get("cost_source") + ")";
    }
}
