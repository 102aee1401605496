package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.engine.monitor.Reason;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code check_budget}: the unified check-operation decision, optionally holding the estimate. */
public final class CheckBudgetTool extends AbstractTool {
    public CheckBudgetTool(BudgetEngine engine) {
        super(engine, "check_budget",
                "Ask before an LLM call whether a component may spend its estimated cost. Every budget whose scope "
                        + "matches the component, provider and model is checked for each limited period by both "
                        + "monitors (guardrail: the period limit; real-time: the warning and stop percentages). Give "
                        + "estimated_cost in USD, or both estimated_input_tokens and estimated_output_tokens with the "
                        + "model, priced from the catalog: one of the two is required. With reserve=true an allowed "
                        + "estimate is held (reservation_ttl_seconds, default "
                        + engine.config().defaultReservationTtl().toSeconds() + ") until record_usage settles it "
                        + "with the reservation_id.\n"
                        + "Answer: decision allow | warn | block (allowed is false only for block), estimated_cost in "
                        + "USD, remaining = the least USD any matching budget period had left before this estimate "
                        + "(null when no budget applies), and one reason per budget period and monitor.\n"
                        + "Example: {\"component\":\"support-bot\",\"provider\":\"anthropic\",\"model\":"
                        + "\"claude-sonnet-4-5\",\"estimated_input_tokens\":2000,\"estimated_output_tokens\":500} -> "
                        + "{\"decision\":\"allow\",\"allowed\":true,\"estimated_cost\":0.0135,\"remaining\":412.3,"
                        + "\"reasons\":[...]}",
                input(engine),
                result(props("decision", enumStr("allow: go ahead; warn: go ahead, a warning threshold is reached; "
                                + "block: do not make the call", List.of("allow", "warn", "block")),
                        "allowed", bool("true unless the decision is block"),
                        "reasons", array("each monitor's judgement of each matching budget period", reason()),
                        "remaining", nullable(signedUsd("the least any matching budget period had left before this "
                                + "estimate (negative when over)")),
                        "estimated_cost", usd("the estimate judged: estimated_cost, or the tokens priced"),
                        "reservation_id", str("the hold, to pass to record_usage (only with reserve=true and allowed)"),
                        "expires_at", dateTime("when the hold lapses unless settled")),
                        List.of("decision", "allowed", "reasons", "remaining", "estimated_cost")),
                true);
        hints(ToolHints.writes("Check budget before an LLM call", false, false));
    }

    private static Map<String, Object> input(BudgetEngine engine) {
        Map<String, Object> in = obj(props("component", str("calling component, e.g. support-bot", "support-bot"),
                        "provider", str("LLM provider", "anthropic"),
                        "model", str("model name (needed to price token estimates)", "claude-sonnet-4-5"),
                        "task_type", with(str("what the call is for, free text such as chat or code, as record_usage will name it", "chat"), "default", "default", "maxLength", 64),
                        "estimated_cost", with(usd("estimated cost of the call"), "maximum", 1_000_000_000_000L),
                        "estimated_input_tokens", tokens("estimated prompt tokens"),
                        "estimated_output_tokens", tokens("estimated completion tokens"),
                        "reserve", with(bool("hold the estimate against the budgets when allowed"), "default", false),
                        "reservation_ttl_seconds", with(count("how long the hold lasts, in seconds"), "minimum", 1,
                                "maximum", engine.config().maxReservationTtl().toSeconds(),
                                "default", engine.config().defaultReservationTtl().toSeconds())),
                List.of("component"), true);
        // estimated_cost, or both token estimates and the model. Written as if/else rather than a
        // top-level anyOf: the Anthropic Messages API refuses a tool whose input_schema has anyOf,
        // oneOf or allOf at the top level (and with it every request listing the tool).
        in.put("if", Map.of("required", List.of("estimated_cost")));
        in.put("else", Map.of("required", List.of("estimated_input_tokens", "estimated_output_tokens", "model")));
        return in;
    }

    private static Map<String, Object> reason() {
        return out("one monitor's judgement of one budget period", props(
                "budget_id", str("budget"), "period", enumStr("budget period", periods()),
                "monitor", enumStr("which monitor judged", List.of(Monitors.GUARDRAIL, Monitors.REALTIME)),
                "spent", usd("spent in the current period"), "reserved", usd("held by open reservations"),
                "limit", usd("the period's limit"),
                "projected_percent", nullable(pct("(spent + reserved + estimate) / limit")),
                "level", enumStr("ok, info, warning or block",
                        Arrays.stream(Reason.Level.values()).map(Reason.Level::wireName).toList()),
                "detail", str("the judgement in words")),
                List.of("budget_id", "period", "monitor", "spent", "reserved", "limit", "level", "detail"));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        CheckInput in = Wire.check(args);
        Access.actFor(caller, in.component());
        return Views.check(engine.check(in));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return summarize(Map.of(), r);
    }

    /** "Allowed: $0.04 on anthropic/claude-sonnet-4-5 leaves $412.30 of the monthly limit of budget team-a". */
    @Override
    public String summarize(Map<String, Object> args, Map<String, Object> r) {
        String what = Say.usd(r.get("estimated_cost"));
        String on = Say.model(args, "provider", "model");
        what += on.isEmpty() ? "" : " on " + on;
        String decision = String.valueOf(r.get("decision"));
        List<Map<String, Object>> reasons = Say.list(r, "reasons");
        if ("block".equals(decision)) {
            String why = reasons.stream().filter(x -> "block".equals(x.get("level"))).findFirst()
                    .map(x -> ": " + x.get("detail")).orElse("");
            return "Blocked: " + what + " for " + args.getOrDefault("component", "this component") + why;
        }
        StringBuilder s = new StringBuilder("warn".equals(decision) ? "Allowed with a warning: " : "Allowed: ");
        s.append(what);
        Map<String, Object> tightest = tightest(reasons);
        BigDecimal remaining = Say.decimal(r.get("remaining"));
        if (remaining == null || tightest == null) {
            s.append("; no budget applies to ").append(args.getOrDefault("component", "this component"));
        } else {
            BigDecimal left = remaining.subtract(Say.decimal(r.get("estimated_cost")));
            s.append(" leaves ").append(Say.usd(left)).append(" of the ").append(tightest.get("period"))
                    .append(" limit of budget ").append(tightest.get("budget_id"));
        }
        if ("warn".equals(decision)) {
            reasons.stream().filter(x -> "warning".equals(x.get("level"))).findFirst()
                    .ifPresent(x -> s.append(" (").append(x.get("detail")).append(")"));
        }
        if (r.get("reservation_id") != null) {
            s.append("; held as ").append(r.get("reservation_id")).append(" until ").append(r.get("expires_at"));
        }
        return s.toString();
    }

    /** The budget period with the least left (the one {@code remaining} is about). */
    private static Map<String, Object> tightest(List<Map<String, Object>> reasons) {
        Map<String, Object> best = null;
        BigDecimal least = null;
        for (Map<String, Object> x : reasons) {
            BigDecimal left = Say.decimal(x.get("limit")).subtract(Say.decimal(x.get("spent")))
                    .subtract(Say.decimal(x.get("reserved")));
            if (least == null || left.compareTo(least) < 0) {
                least = left;
                best = x;
            }
        }
        return best;
    }
}
