package io.tekton.penia.assistant;

import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.monitor.Monitors;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;
import java.util.Map;

/**
 * The {@code budget_management} context for Tekton's assistants: a system prompt with the
 * live budget status, served at {@code GET /api/v1/assistant/context}, as the MCP prompt
 * {@code budget_management}, and advertised to Hermes.
 */
public final class AssistantContext {
    public static final String NAME = "budget_management";
    private final BudgetEngine engine;
    private final List<String> tools;

    public AssistantContext(BudgetEngine engine, List<String> tools) {
        this.engine = engine;
        this.tools = List.copyOf(tools);
    }

    public List<String> tools() {
        return tools;
    }

    /** The system prompt, built from the budgets' live counters at the time of the call. */
    public String systemPrompt() {
        return systemPrompt(b -> true);
    }

    /** The system prompt with only the budgets the reader may see. */
    public String systemPrompt(Predicate<Budget> visible) {
        StringBuilder b = new StringBuilder();
        b.append("You are the budget assistant of Tekton, backed by Penia, its budget and cost-tracking service.\n")
                .append("Every LLM call in Tekton is checked against budgets before it runs (check_budget) and ")
                .append("recorded afterwards (record_usage). Two monitors judge each call: the guardrail monitor ")
                .append("(period limits, alert thresholds, a circuit breaker per budget) and the real-time monitor ")
                .append("(warning and stop thresholds per operation); a call proceeds only if both approve.\n\n")
                .append("Use the tools: ").append(String.join(", ", tools)).append(".\n")
                .append("Give amounts in US dollars with cents; say which period (hourly, daily, weekly, monthly) ")
                .append("a figure belongs to; before recommending a cheaper model, call recommend_models; never ")
                .append("change alert settings unless the user asks.\n\n")
                .append("Live budget status (").append(engine.now()).append(", periods in ")
                .append(engine.config().zone()).append("):\n");
        List<BudgetStatus> all = engine.statuses().stream().filter(s -> visible.test(s.budget())).toList();
        if (all.isEmpty()) {
            b.append("- no budgets are defined\n");
        }
        for (BudgetStatus s : all) {
            if (!s.budget().active()) {
                continue;
            }
            b.append("- ").append(s.budget().name()).append(" [").append(s.budget().budgetId()).append("]");
            var sc = s.budget().scope();
            b.append(" scope: ").append(sc.equals(Scope.GLOBAL) ? "global"
                    : (sc.component() == null ? "" : "component=" + sc.component() + " ")
                    + (sc.provider() == null ? "" : "provider=" + sc.provider() + " ")
                    + (sc.model() == null ? "" : "model=" + sc.model())
                    + (sc.taskType() == null ? "" : " task_type=" + sc.taskType())).append(";");
            for (PeriodStatus p : s.periods()) {
                BigDecimal pct = Monitors.percent(p.spent().micros(), p.limit().micros());
                b.append(' ').append(p.period().wireName()).append(' ').append(usd(p.spent())).append(" of ")
                        .append(usd(p.limit())).append(" (").append(pct.toPlainString()).append("%)");
                if (p.reserved().micros() > 0) {
                    b.append(" + ").append(usd(p.reserved())).append(" held");
                }
                if (p.breakerOpen()) {
                    b.append(" BREAKER OPEN");
                }
                forecast(b, p);
                b.append(';');
            }
            b.append(" warning ").append(s.budget().warningPercent()).append("%, stop ")
                    .append(s.budget().stopPercent()).append("%, ").append(s.budget().enforcement().wireName()).append('\n');
        }
        return b.toString();
    }

    /** ", forecast $X (80% $L-$H), stop threshold at T": the period's forecast (issue 25), when there is one. */
    private static void forecast(StringBuilder b, PeriodStatus p) {
        var f = p.forecast();
        if (f == null) {
            return;
        }
        b.append(", forecast ").append(usd(Money.ofMicros(f.expectedMicros())))
                .append(" (").append(io.tekton.penia.engine.forecast.Forecast.INTERVAL_PERCENT).append("% ")
                .append(usd(Money.ofMicros(f.lowMicros()))).append('-')
                .append(usd(Money.ofMicros(f.highMicros()))).append(')');
        if (f.stopAt() != null) {
            b.append(", stop threshold reached at ").append(f.stopAt());
        }
    }

    /** The body of {@code GET /api/v1/assistant/context}. */
    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("context", NAME);
        m.put("system_prompt", systemPrompt());
        m.put("tools", tools);
        return m;
    }

    /** What Hermes is told about the context in the registration metadata. */
    public Map<String, Object> hermesMetadata(String endpointPath) {
        return Map.of("name", NAME, "endpoint", endpointPath, "mcp_prompt", NAME, "tools", tools);
    }

    private static String usd(Money m) {
        return "$" + m.usd().setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}
