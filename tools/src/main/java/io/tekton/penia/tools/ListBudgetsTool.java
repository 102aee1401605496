package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code list_budgets}: budgets with their scope and limits. */
public final class ListBudgetsTool extends AbstractTool {
    public ListBudgetsTool(BudgetEngine engine) {
        super(engine, "list_budgets",
                "List the budgets: scope (component, provider, model; null means any), limit per period in USD, "
                        + "alert thresholds, warning and stop percentages, enforcement (block: calls past the stop "
                        + "threshold are refused; warn: only warned) and alert channels. A component key sees its own "
                        + "and global budgets. Use get_budget_status for what is spent.\n"
                        + "Answer: items (budgets) and count.\n"
                        + "Example: {\"active\":true} -> {\"items\":[{\"budget_id\":\"team-a\",\"name\":\"Team A\","
                        + "\"scope\":{\"component\":\"support-bot\",\"provider\":null,\"model\":null},\"limits\":"
                        + "{\"hourly\":null,\"daily\":20,\"weekly\":null,\"monthly\":500},\"enforcement\":\"block\","
                        + "...}],\"count\":1}",
                obj(props("active", bool("only active (true) or only inactive (false) budgets; default: all"),
                        "component", str("only budgets scoped to this component"),
                        "provider", str("only budgets scoped to this provider")), List.of(), true),
                result(props("items", array("budgets", budgetView()), "count", count("how many budgets")),
                        List.of("items", "count")),
                false);
        hints(ToolHints.reads("List budgets"));
    }

    static Map<String, Object> budgetView() {
        Map<String, Object> limits = new LinkedHashMap<>();
        for (Period p : Period.values()) {
            limits.put(p.wireName(), nullable(usd(p.wireName() + " limit")));
        }
        return out("a budget", props("budget_id", str("budget id"), "name", str("name"),
                        "description", nullable(str("free text about the budget")),
                        "owner", nullable(str("who the budget belongs to")),
                        "forecast_alerts", bool("whether projected_overrun alerts are raised for this budget"),
                        "scope", out("what the budget covers", props("component", nullable(str("component"))
                                        , "provider", nullable(str("provider")), "model", nullable(str("model")),
                                        "task_type", nullable(str("task type (free text; null: any)"))),
                                List.of("component", "provider", "model")),
                        "limits", out("limit per period; null: no limit for that period", limits,
                                Schemas.periods()),
                        "warning_percent", count("real-time warning threshold, percent of the limit"),
                        "stop_percent", count("stop threshold, percent of the limit"),
                        "alert_thresholds", array("guardrail alert thresholds, percent", Map.of("type", "integer")),
                        "enforcement", enumStr("block or warn at the stop threshold",
                                Arrays.stream(Enforcement.values()).map(Enforcement::wireName).toList()),
                        "is_active", bool("whether the budget is enforced"),
                        "cooldown_seconds", count("seconds between repeated alerts"),
                        "channels", array("alert channels", SetAlertsTool.channelView()),
                        "created_at", dateTime("created"), "updated_at", dateTime("last changed")),
                List.of("budget_id", "name", "scope", "limits", "warning_percent", "stop_percent", "alert_thresholds",
                        "enforcement", "is_active", "cooldown_seconds", "channels", "created_at", "updated_at"));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        Boolean active = args.bool("active");
        String component = Access.readScope(caller, args.str("component"));
        String provider = CanonicalNames.provider(args.str("provider"));
        args.noOthers();
        List<Map<String, Object>> items = engine.budgets().stream()
                .filter(b -> active == null || b.active() == active)
                .filter(b -> component == null || component.equals(b.scope().component())
                        || (Caller.COMPONENT.equals(caller.role()) && b.scope().component() == null))
                .filter(b -> provider == null || provider.equals(b.scope().provider()))
                .map(b -> Views.budget(b, Access.seesChannelSecrets(caller))).toList();
        return Map.of("items", items, "count", items.size());
    }

    /** "2 budgets: team-a (monthly $500.00), global (daily $20.00, monthly $400.00)". */
    @Override
    public String summarize(Map<String, Object> r) {
        List<Map<String, Object>> items = Say.list(r, "items");
        if (items.isEmpty()) {
            return "No budget matches";
        }
        List<String> each = items.stream().limit(10).map(b -> {
            List<String> limits = Say.map(b.get("limits")).entrySet().stream().filter(e -> e.getValue() != null)
                    .map(e -> e.getKey() + " " + Say.usd(e.getValue())).toList();
            return b.get("budget_id") + (limits.isEmpty() ? " (no limit)" : " (" + String.join(", ", limits) + ")")
                    + (Boolean.FALSE.equals(b.get("is_active")) ? " inactive" : "");
        }).toList();
        return Say.plural(items.size(), "budget") + ": " + String.join("; ", each) + (items.size() > 10 ? "; ..." : "");
    }
}
