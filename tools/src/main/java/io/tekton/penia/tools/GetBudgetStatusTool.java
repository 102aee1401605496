package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Reports;
import io.tekton.penia.tools.wire.Views;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code get_budget_status}: live spend, holds and limits of one budget, or of all. */
public final class GetBudgetStatusTool extends AbstractTool {
    public GetBudgetStatusTool(BudgetEngine engine) {
        super(engine, "get_budget_status",
                "Live status of one budget, or of every budget visible to the caller when budget_id is left out.\n"
                        + "Answer: for each limited period of the current time: spent, reserved (held by open checks) "
                        + "and limit in USD, percent of the limit spent, remaining = limit - spent - reserved (USD), "
                        + "projected spend at the period's end, whether the breaker is open (calls blocked); for one "
                        + "budget also cost breakdowns by provider, model and component over its longest period.\n"
                        + "Example: {\"budget_id\":\"team-a\"} -> {\"budget_id\":\"team-a\",\"name\":\"Team A\","
                        + "\"periods\":{\"monthly\":{\"spent\":87.7,\"reserved\":0.5,\"limit\":500,\"percent\":17.54,"
                        + "\"remaining\":411.8,\"projected\":263.1,\"breaker_open\":false,...}},\"by_model\":[...],...}",
                obj(props("budget_id", str("budget; leave out for all budgets", "team-a")), List.of(), true),
                statusResult(), false);
        hints(ToolHints.reads("Show live budget status"));
    }

    private static Map<String, Object> statusResult() {
        Map<String, Object> compact = new LinkedHashMap<>(props("budget_id", str("budget"), "name", str("name")));
        for (Period p : Period.values()) {
            compact.put(p.wireName(), periodView());
        }
        Map<String, Object> periods = new LinkedHashMap<>();
        for (Period p : Period.values()) {
            periods.put(p.wireName(), periodView());
        }
        Map<String, Object> fields = props("budget_id", str("budget"), "name", str("name"),
                "periods", out("each limited period of the current time", periods, List.of()),
                "by_provider", breakdown("provider"), "by_model", breakdown("model"),
                "by_component", breakdown("component"),
                "breakdown_period", nullable(enumStr("the period the breakdowns cover", periods())),
                "budgets", array("every visible budget (without budget_id); a key per limited period",
                        out("a budget's compact status", compact, List.of("budget_id", "name"))));
        Map<String, Object> m = result(fields, List.of("budget_id"));
        // Either one budget's status or the list of all; the error object alone on a failed call.
        m.put("anyOf", List.of(Map.of("required", List.of("budget_id", "periods")),
                Map.of("required", List.of("budgets")), Map.of("required", List.of("error"))));
        return m;
    }

    private static Map<String, Object> periodView() {
        return out("one period's live figures", props("spent", usd("spent"),
                        "reserved", usd("held by open reservations"), "limit", usd("the limit"),
                        "percent", pct("spent / limit"), "remaining", signedUsd("limit - spent - reserved"),
                        "period_start", dateTime("start of the period"),
                        "period_end", dateTime("end of the period, exclusive"),
                        "projected", nullable(usd("spend projected at the period's end at the current pace")),
                        "breaker_open", bool("true while calls are blocked for this period"),
                        "forecast", nullable(out("end-of-period spend forecast from the budget's hourly profile",
                                props("expected", usd("expected spend at the period's end"),
                                        "low", usd("lower end of the interval"), "high", usd("upper end of the interval"),
                                        "interval_percent", count("coverage of the interval, percent"),
                                        "stop_at", nullable(dateTime("when the stop threshold is projected to be reached")),
                                        "method", str("seasonal, recent_rate or period_rate"),
                                        "history_hours", count("hours of history behind the forecast")),
                                List.of("expected", "low", "high")))),
                List.of("spent", "reserved", "limit", "percent", "remaining", "period_start", "period_end",
                        "breaker_open"));
    }

    private static Map<String, Object> breakdown(String dim) {
        return array("cost by " + dim + " over breakdown_period, largest first", out("one " + dim, props(
                        dim, str(dim), "cost", usd("cost"), "input_tokens", count("prompt tokens"),
                        "output_tokens", count("completion tokens"), "count", count("calls")),
                List.of(dim, "cost", "input_tokens", "output_tokens", "count")));
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

    /** "Budget team-a: monthly $87.70 of $500.00 spent (17.54%), $411.80 left; daily …". */
    @Override
    public String summarize(Map<String, Object> r) {
        if (r.containsKey("budgets")) {
            List<Map<String, Object>> all = Say.list(r, "budgets");
            String closest = null;
            BigDecimal most = null;
            for (Map<String, Object> b : all) {
                for (Period p : Period.values()) {
                    Map<String, Object> v = Say.map(b.get(p.wireName()));
                    BigDecimal pct = Say.decimal(v.get("percent"));
                    if (pct != null && (most == null || pct.compareTo(most) > 0)) {
                        most = pct;
                        closest = b.get("budget_id") + " at " + pct.toPlainString() + "% of its " + p.wireName()
                                + " limit";
                    }
                }
            }
            return Say.plural(all.size(), "budget") + (closest == null ? "" : "; closest to its limit: " + closest);
        }
        List<String> parts = new ArrayList<>();
        Say.map(r.get("periods")).forEach((period, v) -> {
            Map<String, Object> p = Say.map(v);
            parts.add(period + " " + Say.usd(p.get("spent")) + " of " + Say.usd(p.get("limit")) + " spent ("
                    + Say.decimal(p.get("percent")).toPlainString() + "%), " + Say.usd(p.get("remaining")) + " left"
                    + (Boolean.TRUE.equals(p.get("breaker_open")) ? ", breaker open: calls blocked" : ""));
        });
        return "Budget " + r.get("budget_id") + ": " + (parts.isEmpty() ? "no limit set" : String.join("; ", parts));
    }
}
