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
                "Summarize recorded LLM spend: total cost in USD, tokens and calls, optionally grouped by provider, "
                        + "model, component, task_type, day or hour, over the current hourly/daily/weekly/monthly period or a "
                        + "start/end range (end exclusive); give period or start/end, not both. Default: the current "
                        + "month. Filters (component, provider, model, or a budget's scope by budget_id) narrow it.\n"
                        + "Answer: start and end of the range, total_cost (USD), total_input_tokens, "
                        + "total_output_tokens, count (calls), and groups sorted by cost (by time for day or hour).\n"
                        + "Example: {\"period\":\"daily\",\"group_by\":[\"model\"]} -> {\"total_cost\":12.5,"
                        + "\"count\":340,\"groups\":[{\"model\":\"gpt-4o\",\"cost\":9.1,\"input_tokens\":820000,"
                        + "\"output_tokens\":61000,\"count\":200},...],...}",
                obj(props("period", enumStr("the current period of this kind", periods()),
                        "start", dateTime("start of the range"),
                        "end", dateTime("end of the range, exclusive"),
                        "component", str("only this component"), "provider", str("only this provider"),
                        "model", str("only this model"),
                        "task_type", str("only this task type"),
                        "budget_id", str("only usage within this budget's scope"),
                        "group_by", with(array("dimensions to group by, in order", enumStr("dimension",
                                Reports.GROUP_BY)), "maxItems", Reports.GROUP_BY.size(), "uniqueItems", true, "default", List.of())),
                        List.of(), true),
                result(props("start", nullable(dateTime("start of the range")),
                        "end", nullable(dateTime("end of the range, exclusive")),
                        "total_cost", usd("total cost"), "total_input_tokens", count("prompt tokens"),
                        "total_output_tokens", count("completion tokens"), "count", count("calls recorded"),
                        "group_by", array("the grouping asked for", enumStr("dimension", Reports.GROUP_BY)),
                        "groups", array("one entry per distinct group", out("one group", props(
                                "provider", str("provider"), "model", str("model"), "component", str("component"),
                                 "task_type", str("task type"),
                                "day", date("local day in the server's zone"),
                                "hour", dateTime("start of the hour"),
                                "cost", usd("cost of the group"), "input_tokens", count("prompt tokens"),
                                "output_tokens", count("completion tokens"), "count", count("calls")),
                                List.of("cost", "input_tokens", "output_tokens", "count")))),
                        List.of("start", "end", "total_cost", "total_input_tokens", "total_output_tokens", "count",
                                "group_by", "groups")),
                false);
        hints(ToolHints.reads("Summarize LLM spend"));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        return Reports.usageSummary(engine, Access.scoped(caller, args));
    }

    /** "$12.50 over 340 calls (820,000 input + 61,000 output tokens) from … to …; most: gpt-4o $9.10". */
    @Override
    public String summarize(Map<String, Object> r) {
        StringBuilder s = new StringBuilder(Say.usd(r.get("total_cost"))).append(" over ")
                .append(Say.plural(((Number) r.get("count")).longValue(), "call")).append(" (")
                .append(Say.count(r.get("total_input_tokens"))).append(" input + ")
                .append(Say.count(r.get("total_output_tokens"))).append(" output tokens)");
        s.append(r.get("start") == null ? " until " + r.get("end")
                : r.get("end") == null ? " since " + r.get("start") : " from " + r.get("start") + " to " + r.get("end"));
        List<Map<String, Object>> groups = Say.list(r, "groups");
        List<?> by = (List<?>) r.get("group_by");
        if (!groups.isEmpty()) {
            Map<String, Object> top = groups.stream().max((a, b) -> Say.decimal(a.get("cost"))
                    .compareTo(Say.decimal(b.get("cost")))).orElseThrow();
            s.append("; ").append(Say.plural(groups.size(), "group")).append(" by ")
                    .append(String.join(", ", by.stream().map(String::valueOf).toList())).append(", the largest ");
            s.append(String.join(" ", by.stream().map(d -> String.valueOf(top.get(String.valueOf(d)))).toList()))
                    .append(" at ").append(Say.usd(top.get("cost")));
        }
        return s.toString();
    }
}
