package io.tekton.penia.tools.wire;

import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Requests from outside (REST bodies, MCP tool arguments, Hermes tool calls) into engine
 * inputs: one parser per request, shared by every adapter.
 */
public final class Wire {
    private Wire() {
    }

    public static BudgetSpec budget(Args a, String idFromPath) {
        String id = idFromPath != null ? idFromPath : a.str("budget_id");
        if (idFromPath != null && a.has("budget_id") && !idFromPath.equals(a.str("budget_id"))) {
            throw PeniaException.invalid("budget_id", "does not match the path");
        }
        if (id != null && !id.matches("[A-Za-z0-9_.:-]{1,100}")) {
            throw PeniaException.invalid("budget_id", "use 1-100 letters, digits, '_', '.', ':' or '-'");
        }
        Scope scope = null;
        Args s = a.obj("scope");
        if (s != null) {
            scope = new Scope(s.str("component"), s.str("provider"), s.str("model"), s.str("task_type"));
            s.noOthers();
        }
        Map<Period, Money> limits = null;
        Args l = a.obj("limits");
        if (l != null) {
            limits = new EnumMap<>(Period.class);
            for (Period p : Period.values()) {
                Money m = l.money(p.wireName());
                if (m != null) {
                    limits.put(p, m);
                }
            }
            l.noOthers();
        }
        Enforcement enforcement = null;
        String e = a.str("enforcement");
        if (e != null) {
            enforcement = switch (e.toLowerCase(Locale.ROOT)) {
                case "block" -> Enforcement.BLOCK;
                case "warn" -> Enforcement.WARN;
                default -> throw PeniaException.invalid("enforcement", "must be block or warn");
            };
        }
        BudgetSpec spec = BudgetSpec.builder().budgetId(id).name(a.str("name")).scope(scope).limits(limits)
                .warningPercent(a.intRange("warning_percent", 1, 1000)).stopPercent(a.intRange("stop_percent", 1, 1000))
                .alertThresholds(a.ints("alert_thresholds", 20, 1, 1000)).enforcement(enforcement)
                .active(a.bool("is_active")).cooldownSeconds(a.nonNegLong("cooldown_seconds")).channels(channels(a))
                .description(a.str("description")).owner(a.str("owner"))
                .forecastAlerts(a.bool("forecast_alerts")).build();
        // Read-only fields a client may echo back from a GET are accepted and ignored.
        a.has("created_at");
        a.has("updated_at");
        a.noOthers();
        return spec;
    }

    /** Alert settings of one budget ({@code PUT /budgets/{id}/alerts}, MCP {@code set_alerts}). */
    public static BudgetSpec alertSettings(Args a) {
        BudgetSpec spec = BudgetSpec.builder().warningPercent(a.intRange("warning_percent", 1, 1000))
                .stopPercent(a.intRange("stop_percent", 1, 1000)).alertThresholds(a.ints("thresholds", 20, 1, 1000))
                .cooldownSeconds(a.nonNegLong("cooldown_seconds")).channels(channels(a)).build();
        a.has("budget_id");
        a.noOthers();
        return spec;
    }

    private static List<Channel> channels(Args a) {
        List<Args> cs = a.objs("channels", 10);
        if (cs == null) {
            return null;
        }
        List<Channel> out = new ArrayList<>();
        for (Args c : cs) {
            out.add(new Channel(c.reqStr("type"), c.str("url"), c.str("secret"), c.strings("to", 50)));
            c.noOthers();
        }
        return out;
    }

    public static UsageInput usage(Args a) {
        UsageInput in = new UsageInput(a.reqStr("component"), a.reqStr("provider"), a.reqStr("model"),
                a.str("task_type"), a.reqNonNegLong("input_tokens"), a.reqNonNegLong("output_tokens"),
                a.nonNegLong("cached_input_tokens", 0),
                a.nonNegLong("cache_write_tokens", 0), a.nonNegLong("reasoning_tokens", 0), a.money("cost"),
                a.str("reservation_id"), a.str("request_id"), a.instant("timestamp"));
        tektonRecordFields(a);
        a.noOthers();
        return in;
    }

    /**
     * The fields of the original Tekton Budget's record body ({@code RecordUsageRequest}) that
     * Penia keeps nothing for: accepted so that Tekton's clients can record unchanged, checked
     * (ids are strings of at most {@link UsageInput#MAX_NAME} characters, metadata an object),
     * and not stored.
     */
    private static void tektonRecordFields(Args a) {
        for (String f : List.of("context_id", "allocation_id", "operation_id", "user_id")) {
            String v = a.str(f);
            if (v != null && v.length() > UsageInput.MAX_NAME) {
                throw PeniaException.invalid(f, "longer than " + UsageInput.MAX_NAME + " characters");
            }
        }
        a.obj("metadata");
    }

    public static CheckInput check(Args a) {
        Boolean reserve = a.bool("reserve");
        CheckInput in = new CheckInput(a.reqStr("component"), a.str("provider"), a.str("model"), a.str("task_type"),
                a.money("estimated_cost"), a.nonNegLong("estimated_input_tokens"), a.nonNegLong("estimated_output_tokens"),
                Boolean.TRUE.equals(reserve), a.nonNegLong("reservation_ttl_seconds"));
        a.noOthers();
        return in;
    }

    public static Period period(String s, String field) {
        if (s == null) {
            return null;
        }
        return Period.parse(s).orElseThrow(() -> PeniaException.invalid(field, "must be hourly, daily, weekly or monthly"));
    }
}
