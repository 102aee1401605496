package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code set_alerts}: a budget's thresholds, cooldown and channels (seen by both monitors). */
public final class SetAlertsTool extends AbstractTool {
    public SetAlertsTool(BudgetEngine engine) {
        super(engine, "set_alerts",
                "Change a budget's alert settings: guardrail thresholds, warning and stop percentages, the cooldown and "
                        + "the delivery channels (webhook, slack, email). Secrets are stored, never echoed.",
                obj(props("budget_id", str("budget to change"),
                        "thresholds", array("alert thresholds in percent", Map.of("type", "integer", "minimum", 1,
                                "maximum", 1000)),
                        "warning_percent", percent("real-time warning threshold"),
                        "stop_percent", percent("stop threshold"), "cooldown_seconds", count("alert cooldown"),
                        "channels", array("delivery channels", Map.of("type", "object", "properties", props(
                                "type", enumStr("channel type", List.of("webhook", "slack", "email")),
                                "url", Map.of("type", "string"), "secret", Map.of("type", "string"),
                                "to", Map.of("type", "array", "items", Map.of("type", "string"))),
                                "required", List.of("type")))), List.of("budget_id"), true),
                obj(props("budget_id", str("budget"), "thresholds", array("percent", Map.of("type", "integer")),
                        "warning_percent", count("percent"), "stop_percent", count("percent"),
                        "cooldown_seconds", count("seconds"), "channels", array("channels", Map.of("type", "object")),
                        "error", errorProp()), List.of(), false),
                true);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        Access.admin(caller);
        String id = args.reqStr("budget_id");
        return Views.alertSettings(engine.updateBudget(id, Wire.alertSettings(args)));
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return "alerts of " + r.get("budget_id") + ": thresholds " + r.get("thresholds") + ", warning "
                + r.get("warning_percent") + "%, stop " + r.get("stop_percent") + "%";
    }
}
