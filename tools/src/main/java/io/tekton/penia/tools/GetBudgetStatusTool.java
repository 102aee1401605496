package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Reports;
import io.tekton.penia.tools.wire.Views;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code get_budget_status}: live spend, holds and limits of one budget, or of all. */
public final class GetBudgetStatusTool extends AbstractTool {
    public GetBudgetStatusTool(BudgetEngine engine) {
        super(engine, "get_budget_status",
                "Live status of a budget: spent, reserved, limit, percent, remaining, projection and breaker per "
                        + "current period, with breakdowns. Without budget_id: every budget's compact status.",
                obj(props("budget_id", str("budget (optional)")), List.of(), true),
                obj(props("budget_id", str("budget"), "periods", Map.of("type", "object", "description",
                                "per current period: spent, limit, projected and forecast {expected, low, high, "
                                        + "interval_percent, stop_at, method, history_hours}"),
                        "budgets", array("all budgets", Map.of("type", "object")), "error", errorProp()), List.of(), false),
                false);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        String id = args.str("budget_id");
        args.noOthers();
        if (id == null) {
            List<Map<String, Object>> all = engine.statuses().stream()
                    .filter(s -> Access.sees(caller, s.budget())).map(Views::status).toList();
            return Map.of("budgets", all);
        }
        engine.budget(id).filter(b -> !Access.sees(caller, b)).ifPresent(b -> {
            throw new PeniaException(ErrorCode.FORBIDDEN, "not your component's budget", Map.of("budget_id", id));
        });
        return Reports.budgetSummary(engine, id, Access.usageOf(caller));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return r.containsKey("budgets") ? ((List<?>) r.get("budgets")).size() + " budgets"
                : "budget " + r.get("budget_id") + ": " + r.get("periods");
    }
}
