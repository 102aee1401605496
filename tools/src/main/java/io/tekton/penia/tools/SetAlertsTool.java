package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.BudgetRules;
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
                "Change a budget's alert settings (admin only): the guardrail alert thresholds, the real-time "
                        + "warning and stop percentages of the limit, the cooldown between repeated alerts and the "
                        + "delivery channels (webhook, slack, email). Fields left out keep their values; a list given "
                        + "replaces the old one, so channels:[] deletes every channel. Secrets are stored, never "
                        + "echoed.\n"
                        + "Answer: the budget's alert settings after the change; channels show has_secret instead of "
                        + "the secret.\n"
                        + "Example: {\"budget_id\":\"team-a\",\"thresholds\":[50,80,100],\"warning_percent\":80,"
                        + "\"channels\":[{\"type\":\"slack\",\"url\":\"https://hooks.slack.com/services/...\"}]} -> "
                        + "{\"budget_id\":\"team-a\",\"thresholds\":[50,80,100],\"warning_percent\":80,"
                        + "\"stop_percent\":100,\"cooldown_seconds\":3600,\"channels\":[{\"type\":\"slack\",...}]}",
                obj(props("budget_id", str("budget to change", "team-a"),
                        "thresholds", with(array("guardrail alert thresholds in percent of the limit",
                                percent("threshold")), "maxItems", BudgetRules.MAX_THRESHOLDS),
                        "warning_percent", percent("real-time warning threshold, percent of the limit"),
                        "stop_percent", percent("stop threshold, percent of the limit"),
                        "cooldown_seconds", with(count("least time between repeated alerts, in seconds"),
                                "maximum", BudgetRules.MAX_COOLDOWN_SECONDS),
                        "channels", with(array("delivery channels; replaces every existing channel",
                                obj(props("type", enumStr("channel type", BudgetRules.CHANNEL_TYPES),
                                        "url", str("webhook or slack URL", "https://hooks.example.com/penia"),
                                        "secret", str("webhook signing secret (stored, never shown)"),
                                        "to", with(array("email recipients", str("address", "ops@example.com")),
                                                "maxItems", 50)), List.of("type"), true)),
                                "maxItems", BudgetRules.MAX_CHANNELS)), List.of("budget_id"), true),
                result(props("budget_id", str("budget"),
                        "thresholds", array("guardrail alert thresholds, percent", Map.of("type", "integer")),
                        "warning_percent", count("real-time warning threshold, percent"),
                        "stop_percent", count("stop threshold, percent"),
                        "cooldown_seconds", count("seconds between repeated alerts"),
                        "channels", array("delivery channels", channelView())),
                        List.of("budget_id", "thresholds", "warning_percent", "stop_percent", "cooldown_seconds",
                                "channels")),
                true);
        hints(ToolHints.writes("Change a budget's alert settings", true, true));
    }

    /** A channel as answers show it (no secret; the URL redacted for non-admins elsewhere). */
    static Map<String, Object> channelView() {
        return out("a delivery channel", props("type", enumStr("channel type", BudgetRules.CHANNEL_TYPES),
                        "url", str("webhook or slack URL"), "to", array("email recipients", Map.of("type", "string")),
                        "has_secret", bool("whether a signing secret is stored")),
                List.of("type", "has_secret"));
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        Access.admin(caller);
        String id = args.reqStr("budget_id");
        return Views.alertSettings(engine.updateBudget(id, Wire.alertSettings(args)));
    }

    /** "Alerts of team-a: thresholds 50%, 80%, 100%; warning at 80%, stop at 100%; cooldown 3600 s; 1 channel". */
    @Override
    public String summarize(Map<String, Object> r) {
        List<?> thresholds = (List<?>) r.get("thresholds");
        List<Map<String, Object>> channels = Say.list(r, "channels");
        String kinds = String.join(", ", channels.stream().map(c -> String.valueOf(c.get("type"))).toList());
        return "Alerts of budget " + r.get("budget_id") + ": thresholds "
                + (thresholds.isEmpty() ? "none" : String.join("%, ", thresholds.stream().map(String::valueOf)
                .toList()) + "%") + "; warning at " + r.get("warning_percent") + "%, stop at " + r.get("stop_percent")
                + "%; cooldown " + r.get("cooldown_seconds") + " s; "
                + (channels.isEmpty() ? "no channel" : Say.plural(channels.size(), "channel") + " (" + kinds + ")");
    }
}
