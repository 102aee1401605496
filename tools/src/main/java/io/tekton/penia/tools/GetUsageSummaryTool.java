package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Reports;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code get_usage_summary}: totals and groups of the ledger over a period or range. */
public final class GetUsageSummaryTool extends AbstractTool {
    public GetUsageSummaryTool(BudgetEngine engine) {
        super(engine, "get_usage_summary",
                "Summarize recorded LLM spend: totals and groups by provider, model, component, task_type, day or "
                        + "hour, over the current hourly/daily/weekly/monthly period or a start/end range (default: "
                        + "this month).",
                obj(props("period", enumStr("current period", List.of("hourly", "daily", "weekly", "monthly")),
                        "start", str("ISO-8601 start"), "end", str("ISO-8601 end (exclusive)"),
                        "component", str("filter"), "provider", str("filter"), "model", str("filter"),
                        "task_type", str("filter"), "budget_id", str("use this budget's scope as filter"),
                        "group_by", array("grouping", enumStr("dimension",
                                List.of("provider", "model", "component", "task_type", "day", "hour")))),
                        List.of(), true),
                obj(props("total_cost", any("USD"), "total_input_tokens", count("tokens"),
                        "total_output_tokens", count("tokens"), "count", count("records"),
                        "groups", array("groups", Map.of("type", "object")), "error", errorProp()), List.of(), false),
                false);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        return Reports.usageSummary(engine, Access.scoped(caller, args));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return "total $" + r.get("total_cost") + " over " + r.get("count") + " calls (" + r.get("start") + " to "
                + r.get("end") + ")";
    }
}
