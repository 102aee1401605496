package io.tekton.penia.tools.wire;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Usage summaries and budget summaries, computed from the engine's rollups for every adapter. */
public final class Reports {
    /** The dimensions a usage summary may group by (the tool schemas list these). */
    public static final List<String> GROUP_BY = List.of("provider", "model", "component", "day", "hour");

    private Reports() {
    }

    /**
     * {@code POST /usage/summary} and MCP {@code get_usage_summary}: totals and groups over a
     * range (a period's current window, start/end, or by default the current month).
     */
    public static Map<String, Object> usageSummary(BudgetEngine engine, Args a) {
        Period period = Wire.period(a.str("period"), "period");
        Instant start = a.instant("start");
        Instant end = a.instant("end");
        // The filters may come flat or in a "filters" object (SPEC writes "filters…"); not both for one field.
        Args filters = a.obj("filters");
        String component = filter(a, filters, "component");
        String provider = filter(a, filters, "provider");
        String model = filter(a, filters, "model");
        String budgetId = filter(a, filters, "budget_id");
        List<String> groupBy = a.strings("group_by", 5);
        a.noOthers();
        if (filters != null) {
            filters.noOthers();
        }
        groupBy = groupBy == null ? List.of() : groupBy;
        for (String g : groupBy) {
            if (!GROUP_BY.contains(g)) {
                throw PeniaException.invalid("group_by", "each must be one of provider, model, component, day, hour");
            }
        }
        ZoneId zone = engine.config().zone();
        Instant now = engine.now();
        if (period != null && (start != null || end != null)) {
            throw PeniaException.invalid("period", "give either period or start/end");
        }
        if (period != null) {
            start = period.start(now, zone);
            end = period.end(now, zone);
        } else if (start == null && end == null) {
            start = Period.MONTHLY.start(now, zone);
            end = Period.MONTHLY.end(now, zone);
        }
        if (start != null && end != null && !start.isBefore(end)) {
            throw PeniaException.invalid("end", "must be after start");
        }
        boolean excluded = false;
        if (budgetId != null) {
            Budget b = engine.budget(budgetId).orElseThrow(() -> PeniaException.notFound("budget", budgetId));
            // The filters narrow the budget's scope; a filter outside it matches nothing.
            excluded = conflicts(component, b.scope().component()) || conflicts(provider, b.scope().provider())
                    || conflicts(model, b.scope().model());
            component = component != null ? component : b.scope().component();
            provider = provider != null ? provider : b.scope().provider();
            model = model != null ? model : b.scope().model();
        }
        List<BudgetEngine.Slice> slices = excluded ? List.of()
                : engine.slices(new LedgerStore.UsageFilter(component, provider, model, start, end),
                        !groupBy.contains("hour"));
        long cost = 0;
        long in = 0;
        long out = 0;
        long count = 0;
        Map<List<String>, long[]> groups = new LinkedHashMap<>();
        // Local day and hour of each 15-minute bucket, worked out once per bucket rather than once
        // per slice (a month has ~3,000 buckets and tens of thousands of slices).
        Map<Long, String> dayOf = new HashMap<>();
        Map<Long, String> hourOf = new HashMap<>();
        for (BudgetEngine.Slice s : slices) {
            cost += s.costMicros();
            in += s.inputTokens();
            out += s.outputTokens();
            count += s.count();
            if (!groupBy.isEmpty()) {
                List<String> key = new ArrayList<>();
                for (String g : groupBy) {
                    key.add(switch (g) {
                        case "provider" -> s.provider();
                        case "model" -> s.model();
                        case "component" -> s.component();
                        case "day" -> dayOf.computeIfAbsent(s.bucketSecond(),
                                b -> Instant.ofEpochSecond(b).atZone(zone).toLocalDate().toString());
                        default -> hourOf.computeIfAbsent(s.bucketSecond(),
                                b -> Period.HOURLY.start(Instant.ofEpochSecond(b), zone).toString());
                    });
                }
                long[] v = groups.computeIfAbsent(key, k -> new long[4]);
                v[0] += s.costMicros();
                v[1] += s.inputTokens();
                v[2] += s.outputTokens();
                v[3] += s.count();
            }
        }
        List<Map<String, Object>> gl = new ArrayList<>();
        List<String> gb = groupBy;
        groups.forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < gb.size(); i++) {
                m.put(gb.get(i), k.get(i));
            }
            m.put("cost", Money.ofMicros(v[0]).usd());
            m.put("input_tokens", v[1]);
            m.put("output_tokens", v[2]);
            m.put("count", v[3]);
            gl.add(m);
        });
        boolean byTime = gb.contains("day") || gb.contains("hour");
        gl.sort(byTime ? Comparator.comparing(m -> String.valueOf(m.get(gb.contains("day") ? "day" : "hour")))
                : Comparator.comparing(m -> ((java.math.BigDecimal) m.get("cost")), Comparator.reverseOrder()));
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("start", start == null ? null : start.toString());
        res.put("end", end == null ? null : end.toString());
        res.put("total_cost", Money.ofMicros(cost).usd());
        res.put("total_input_tokens", in);
        res.put("total_output_tokens", out);
        res.put("count", count);
        res.put("group_by", groupBy);
        res.put("groups", gl);
        return res;
    }

    private static String filter(Args a, Args filters, String field) {
        String flat = a.str(field);
        String nested = filters == null ? null : filters.str(field);
        if (flat != null && nested != null) {
            throw PeniaException.invalid(field, "give " + field + " either at the top level or in filters, not both");
        }
        return flat != null ? flat : nested;
    }

    private static boolean conflicts(String filter, String scoped) {
        return filter != null && scoped != null && !filter.equals(scoped);
    }

    /** {@code GET /budgets/{id}/summary}: every limited current period and breakdowns. */
    public static Map<String, Object> budgetSummary(BudgetEngine engine, String budgetId) {
        return budgetSummary(engine, budgetId, null);
    }

    /**
     * As {@link #budgetSummary(BudgetEngine, String)} for a reader who sees the usage of one
     * component only ({@code onlyComponent}; null: every component): the breakdowns hold only
     * that component's usage, the periods (the budget's own counters) stay whole.
     */
    public static Map<String, Object> budgetSummary(BudgetEngine engine, String budgetId, String onlyComponent) {
        BudgetEngine.BudgetStatus st = engine.status(budgetId);
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("budget_id", budgetId);
        res.put("name", st.budget().name());
        Map<String, Object> periods = new LinkedHashMap<>();
        BudgetEngine.PeriodStatus longest = null;
        for (BudgetEngine.PeriodStatus p : st.periods()) {
            periods.put(p.period().wireName(), Views.period(p));
            if (longest == null || p.period().ordinal() > longest.period().ordinal()) {
                longest = p;
            }
        }
        res.put("periods", periods);
        Map<String, Map<String, long[]>> narrowed = onlyComponent == null || longest == null ? null
                : breakdowns(engine, st.budget(), longest, onlyComponent);
        for (String dim : List.of("provider", "model", "component")) {
            List<Map<String, Object>> list = new ArrayList<>();
            if (longest != null) {
                Map<String, long[]> sums = narrowed != null ? narrowed.get(dim)
                        : engine.breakdown(budgetId, longest.start(), longest.end(), dim);
                sums.forEach((k, v) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(dim, k);
                    m.put("cost", Money.ofMicros(v[0]).usd());
                    m.put("input_tokens", v[1]);
                    m.put("output_tokens", v[2]);
                    m.put("count", v[3]);
                    list.add(m);
                });
            }
            list.sort(Comparator.comparing(m -> (java.math.BigDecimal) m.get("cost"), Comparator.reverseOrder()));
            res.put("by_" + dim, list);
        }
        res.put("breakdown_period", longest == null ? null : longest.period().wireName());
        return res;
    }

    /** The breakdowns by provider, model and component of one component's usage within a budget's scope. */
    private static Map<String, Map<String, long[]>> breakdowns(BudgetEngine engine, Budget b,
                                                              BudgetEngine.PeriodStatus window, String component) {
        Map<String, Map<String, long[]>> out = new HashMap<>();
        for (String dim : List.of("provider", "model", "component")) {
            out.put(dim, new java.util.TreeMap<>());
        }
        if (conflicts(component, b.scope().component())) {
            return out;
        }
        for (BudgetEngine.Slice s : engine.slices(new LedgerStore.UsageFilter(component, b.scope().provider(),
                b.scope().model(), window.start(), window.end()), true)) {
            for (String dim : List.of("provider", "model", "component")) {
                String k = switch (dim) {
                    case "provider" -> s.provider();
                    case "model" -> s.model();
                    default -> s.component();
                };
                long[] v = out.get(dim).computeIfAbsent(k, x -> new long[4]);
                v[0] += s.costMicros();
                v[1] += s.inputTokens();
                v[2] += s.outputTokens();
                v[3] += s.count();
            }
        }
        return out;
    }
}
