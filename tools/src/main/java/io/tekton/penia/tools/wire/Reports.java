package io.tekton.penia.tools.wire;

import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.UsageSlice;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.model.Dimension;
import io.tekton.penia.engine.Totals;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.CanonicalNames;
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
    public static final List<String> GROUP_BY = Dimension.wireNames();

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
        String provider = CanonicalNames.provider(filter(a, filters, "provider"));
        String model = CanonicalNames.model(provider, filter(a, filters, "model"));
        String taskType = UsageInput.scopeTaskType("task_type", filter(a, filters, "task_type"));
        String budgetId = filter(a, filters, "budget_id");
        List<String> groupBy = a.strings("group_by", GROUP_BY.size());
        a.noOthers();
        if (filters != null) {
            filters.noOthers();
        }
        groupBy = groupBy == null ? List.of() : groupBy;
        List<Dimension> dims = new ArrayList<>();
        for (String g : groupBy) {
            dims.add(Dimension.parse(g).orElseThrow(() -> PeniaException.invalid("group_by",
                    "each must be one of provider, model, component, task_type, day, hour")));
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
                    || conflicts(model, b.scope().model()) || conflicts(taskType, b.scope().taskType());
            component = component != null ? component : b.scope().component();
            provider = provider != null ? provider : b.scope().provider();
            model = model != null ? model : b.scope().model();
            taskType = taskType != null ? taskType : b.scope().taskType();
        }
        List<UsageSlice> slices = excluded ? List.of()
                : engine.slices(new LedgerStore.UsageFilter(component, provider, model, taskType, start, end),
                        !groupBy.contains("hour"));
        Totals total = Totals.ZERO;
        Map<List<String>, Totals> groups = new LinkedHashMap<>();
        // Local day and hour of each 15-minute bucket, worked out once per bucket rather than once
        // per slice (a month has ~3,000 buckets and tens of thousands of slices).
        Map<Long, String> dayOf = new HashMap<>();
        Map<Long, String> hourOf = new HashMap<>();
        for (UsageSlice s : slices) {
            Totals one = totals(s);
            total = total.plus(one);
            if (!dims.isEmpty()) {
                List<String> key = new ArrayList<>();
                for (Dimension g : dims) {
                    key.add(switch (g) {
                        case PROVIDER -> s.provider();
                        case MODEL -> s.model();
                        case COMPONENT -> s.component();
                        case TASK_TYPE -> s.taskType();
                        case DAY -> dayOf.computeIfAbsent(s.bucketSecond(),
                                b -> Instant.ofEpochSecond(b).atZone(zone).toLocalDate().toString());
                        case HOUR -> hourOf.computeIfAbsent(s.bucketSecond(),
                                b -> Period.HOURLY.start(Instant.ofEpochSecond(b), zone).toString());
                    });
                }
                groups.merge(key, one, Totals::plus);
            }
        }
        List<Map<String, Object>> gl = new ArrayList<>();
        List<String> gb = groupBy;
        groups.forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < gb.size(); i++) {
                m.put(gb.get(i), k.get(i));
            }
            putTotals(m, v);
            gl.add(m);
        });
        boolean byTime = gb.contains("day") || gb.contains("hour");
        gl.sort(byTime ? Comparator.comparing(m -> String.valueOf(m.get(gb.contains("day") ? "day" : "hour")))
                : Comparator.comparing(m -> ((java.math.BigDecimal) m.get("cost")), Comparator.reverseOrder()));
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("start", start == null ? null : start.toString());
        res.put("end", end == null ? null : end.toString());
        res.put("total_cost", Money.ofMicros(total.costMicros()).usd());
        res.put("total_input_tokens", total.inputTokens());
        res.put("total_output_tokens", total.outputTokens());
        res.put("count", total.count());
        res.put("group_by", groupBy);
        res.put("groups", gl);
        return res;
    }

    private static Totals totals(UsageSlice s) {
        return new Totals(s.costMicros(), s.inputTokens(), s.outputTokens(), s.count());
    }

    /** A group's or breakdown's sums as the wire spells them: cost, input_tokens, output_tokens, count. */
    private static void putTotals(Map<String, Object> m, Totals t) {
        m.put("cost", Money.ofMicros(t.costMicros()).usd());
        m.put("input_tokens", t.inputTokens());
        m.put("output_tokens", t.outputTokens());
        m.put("count", t.count());
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
        BudgetStatus st = engine.status(budgetId);
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("budget_id", budgetId);
        res.put("name", st.budget().name());
        Map<String, Object> periods = new LinkedHashMap<>();
        PeriodStatus longest = null;
        for (PeriodStatus p : st.periods()) {
            periods.put(p.period().wireName(), Views.period(p));
            if (longest == null || p.period().ordinal() > longest.period().ordinal()) {
                longest = p;
            }
        }
        res.put("periods", periods);
        Map<Dimension, Map<String, Totals>> narrowed = onlyComponent == null || longest == null ? null
                : breakdowns(engine, st.budget(), longest, onlyComponent);
        for (Dimension dim : Dimension.BREAKDOWNS) {
            List<Map<String, Object>> list = new ArrayList<>();
            if (longest != null) {
                Map<String, Totals> sums = narrowed != null ? narrowed.get(dim)
                        : breakdown(engine, budgetId, longest, dim);
                sums.forEach((k, v) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(dim.wireName(), k);
                    putTotals(m, v);
                    list.add(m);
                });
            }
            list.sort(Comparator.comparing(m -> (java.math.BigDecimal) m.get("cost"), Comparator.reverseOrder()));
            res.put("by_" + dim.wireName(), list);
        }
        res.put("breakdown_period", longest == null ? null : longest.period().wireName());
        return res;
    }

    /**
     * {@code GET /budgets/{id}/summary?period=P}: the list form of Tekton's original Penia
     * ({@code BudgetSummaryResponse}), one element per requested period; {@code all} gives every
     * period the budget limits. A period it does not limit still gets its element: the spend in
     * that period's current window and no limit. {@code cost_usage_percentage} is a fraction of
     * the limit (1.0 = all of it), as the original computed it.
     */
    public static List<Map<String, Object>> budgetPeriodList(BudgetEngine engine, String budgetId, String period) {
        List<Period> wanted = new ArrayList<>();
        BudgetStatus st = engine.status(budgetId);
        if ("all".equals(period)) {
            for (Period p : Period.values()) {
                if (st.budget().limits().containsKey(p)) {
                    wanted.add(p);
                }
            }
        } else {
            wanted.add(Period.parse(period).orElseThrow(() ->
                    PeniaException.invalid("period", "must be hourly, daily, weekly, monthly or all")));
        }
        Budget b = st.budget();
        int holds = engine.activeHolds(budgetId);
        Instant now = engine.now();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Period p : wanted) {
            PeriodStatus ps = st.periods().stream().filter(x -> x.period() == p).findFirst().orElse(null);
            Instant start = ps != null ? ps.start() : p.start(now, engine.config().zone());
            Instant end = ps != null ? ps.end() : p.end(now, engine.config().zone());
            long costMicros = 0;
            long tokens = 0;
            for (UsageSlice sl : engine.slices(new LedgerStore.UsageFilter(b.scope().component(),
                    b.scope().provider(), b.scope().model(), start, end), true)) {
                costMicros += sl.costMicros();
                tokens += sl.inputTokens() + sl.outputTokens();
            }
            Money spent = ps != null ? ps.spent() : Money.ofMicros(costMicros);
            Money limit = ps == null ? null : ps.limit();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("budget_id", budgetId);
            m.put("period", p.wireName());
            m.put("spent", spent.usd());
            m.put("limit", limit == null ? null : limit.usd());
            m.put("total_cost", spent.usd());
            m.put("cost_limit", limit == null ? null : limit.usd());
            m.put("cost_usage_percentage", limit == null || limit.micros() == 0 ? null
                    : java.math.BigDecimal.valueOf(spent.micros()).divide(java.math.BigDecimal.valueOf(limit.micros()),
                    6, java.math.RoundingMode.HALF_UP).stripTrailingZeros());
            m.put("remaining_cost", limit == null ? null : limit.minus(spent).minus(ps.reserved()).usd());
            m.put("cost_limit_exceeded", limit != null && spent.micros() > limit.micros());
            m.put("total_tokens_used", tokens);
            m.put("start_time", start.toString());
            m.put("end_time", end.toString());
            m.put("active_allocations", holds);
            out.add(m);
        }
        return out;
    }

    /**
     * The models that cost most over a range, for {@code GET /usage/records}' {@code top_usage}:
     * {@code {model, provider, requests, tokens, cost}}, most expensive first, at most
     * {@code max}. Without start and end, the current month (as {@link #usageSummary}).
     */
    public static List<Map<String, Object>> topUsage(BudgetEngine engine, String component, String provider,
                                                     String model, Instant start, Instant end, int max) {
        if (start != null && end != null && !start.isBefore(end)) {
            return List.of();
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("component", component);
        q.put("provider", provider);
        q.put("model", model);
        q.put("start", start == null ? null : start.toString());
        q.put("end", end == null ? null : end.toString());
        q.put("group_by", List.of("model", "provider"));
        List<Map<String, Object>> out = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) usageSummary(engine, Args.of(q)).get("groups");
        for (Map<String, Object> g : groups) {
            if (out.size() == max) {
                break;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", g.get("model"));
            m.put("provider", g.get("provider"));
            m.put("requests", g.get("count"));
            m.put("tokens", ((Number) g.get("input_tokens")).longValue() + ((Number) g.get("output_tokens")).longValue());
            m.put("cost", g.get("cost"));
            out.add(m);
        }
        return out;
    }

    /** The breakdowns by provider, model and component of one component's usage within a budget's scope. */
    private static Map<Dimension, Map<String, Totals>> breakdowns(BudgetEngine engine, Budget b,
                                                                  PeriodStatus window, String component) {
        Map<Dimension, Map<String, Totals>> out = new HashMap<>();
        for (Dimension dim : Dimension.BREAKDOWNS) {
            out.put(dim, new java.util.TreeMap<>());
        }
        if (conflicts(component, b.scope().component())) {
            return out;
        }
        for (UsageSlice s : engine.slices(new LedgerStore.UsageFilter(component, b.scope().provider(),
                b.scope().model(), b.scope().taskType(), window.start(), window.end()), true)) {
            for (Dimension dim : Dimension.BREAKDOWNS) {
                String k = switch (dim) {
                    case PROVIDER -> s.provider();
                    case MODEL -> s.model();
                    default -> s.component();
                };
                out.get(dim).merge(k, totals(s), Totals::plus);
            }
        }
        return out;
    }

    /**
     * A budget's breakdown by one dimension over a period's window. Bridge: the engine still
     * answers {@code long[]} sums by wire name until its split gives it {@link Totals}.
     */
    private static Map<String, Totals> breakdown(BudgetEngine engine, String budgetId,
                                                 PeriodStatus window, Dimension dim) {
        Map<String, Totals> out = new java.util.TreeMap<>();
        engine.breakdown(budgetId, window.start(), window.end(), dim.wireName())
                .forEach((k, v) -> out.put(k, Totals.of(v)));
        return out;
    }
}
