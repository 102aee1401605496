package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.model.CostSource;
import io.tekton.penia.engine.model.ReservationStatus;
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
                "Record the usage of one LLM call after it returns; the record is durable before the answer. "
                        + "input_tokens counts every prompt token (cached and cache-written included); output_tokens "
                        + "includes reasoning tokens. Without cost (USD) the cost is computed from the price catalog. "
                        + "request_id makes the call idempotent (the same request_id and body return the first "
                        + "record); reservation_id settles a hold made by check_budget with reserve=true.\n"
                        + "Answer: the ledger record with cost in USD and cost_source (reported: the cost given; "
                        + "computed: priced from the catalog at price_version; unpriced: no price known, counted as 0).\n"
                        + "Example: {\"component\":\"support-bot\",\"provider\":\"anthropic\",\"model\":"
                        + "\"claude-sonnet-4-5\",\"input_tokens\":2000,\"output_tokens\":300} -> {\"record_id\":"
                        + "\"rec_...\",\"cost\":0.0105,\"cost_source\":\"computed\",\"price_version\":\"...\",...}",
                obj(props("component", str("calling component", "support-bot"),
                        "provider", str("LLM provider", "anthropic"), "model", str("model", "claude-sonnet-4-5"),
                        "task_type", with(str("what the call was for, free text such as chat or code", "chat"), "default", "default", "maxLength", 64),
                        "input_tokens", tokens("all prompt tokens"), "output_tokens", tokens("all completion tokens"),
                        "cached_input_tokens", with(tokens("prompt tokens read from cache"), "default", 0),
                        "cache_write_tokens", with(tokens("prompt tokens written to cache"), "default", 0),
                        "reasoning_tokens", with(tokens("reasoning tokens (part of output_tokens)"), "default", 0),
                        "cost", with(usd("actual cost if known"), "maximum", 1_000_000_000_000L),
                        "reservation_id", str("hold to settle (from check_budget)"),
                        "request_id", str("idempotency key, e.g. the provider's response id"),
                        "timestamp", dateTime("when the call happened (default: now; at most 5 minutes ahead, and 400 days back by default)")),
                        List.of("component", "provider", "model", "input_tokens", "output_tokens"), true),
                result(props("record_id", str("ledger id"),
                        "request_id", nullable(str("the idempotency key given")),
                        "timestamp", dateTime("when the call happened"),
                        "component", str("component"), "provider", str("provider"), "model", str("model"),
                        "task_type", str("what the call was for"),
                        "input_tokens", count("prompt tokens"), "output_tokens", count("completion tokens"),
                        "total_tokens", count("input_tokens + output_tokens"),
                        "cached_input_tokens", count("prompt tokens read from cache"),
                        "cache_write_tokens", count("prompt tokens written to cache"),
                        "reasoning_tokens", count("reasoning tokens"),
                        "cost", usd("the call's cost"),
                        "cost_source", enumStr("how the cost was found", CostSource.wireNames()),
                        "price_version", nullable(str("catalog price version used (computed costs only)")),
                        "reservation_id", nullable(str("the hold this record settles")),
                        "idempotent_replay", bool("true when request_id matched an earlier record (nothing new stored)"),
                        "reservation_status", enumStr("what became of the hold",
                                ReservationStatus.wireNames())),
                        List.of("record_id", "timestamp", "component", "provider", "model", "input_tokens",
                                "output_tokens", "cost", "cost_source", "idempotent_replay")),
                true);
        hints(ToolHints.writes("Record the cost of an LLM call", false, false));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        UsageInput in = Wire.usage(args);
        return Views.recordResult(Access.record(engine, caller, in));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return summarize(Map.of(), r);
    }

    /** "Recorded $0.0105 for anthropic/claude-sonnet-4-5 (2,000 in + 300 out tokens) by support-bot (priced …)". */
    @Override
    public String summarize(Map<String, Object> args, Map<String, Object> r) {
        StringBuilder s = new StringBuilder(Boolean.TRUE.equals(r.get("idempotent_replay"))
                ? "Already recorded (same request_id): " : "Recorded ");
        s.append(Say.usd(r.get("cost"))).append(" for ").append(Say.model(r, "provider", "model"))
                .append(" (").append(Say.count(r.get("input_tokens"))).append(" in + ")
                .append(Say.count(r.get("output_tokens"))).append(" out tokens) by ").append(r.get("component"));
        s.append(switch (CostSource.parse(String.valueOf(r.get("cost_source"))).orElse(CostSource.UNPRICED)) {
            case REPORTED -> " (cost as reported)";
            case COMPUTED -> " (priced from the catalog, version " + r.get("price_version") + ")";
            case UNPRICED -> " (unpriced: the catalog has no price for this model, counted as $0)";
        });
        s.append("; record ").append(r.get("record_id"));
        if (r.get("reservation_id") != null) {
            s.append("; hold ").append(r.get("reservation_id")).append(' ')
                    .append(r.getOrDefault("reservation_status", "settled"));
        }
        return s.toString();
    }
}
