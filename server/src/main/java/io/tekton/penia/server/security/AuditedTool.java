package io.tekton.penia.server.security;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.PeniaTool;
import io.tekton.penia.tools.ToolDefinition;
import io.tekton.penia.tools.ToolHints;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;

import java.util.Map;

/**
 * {@code set_alerts} with its change written to the audit trail, the same entry
 * {@code PUT /budgets/{id}/alerts} writes, whichever adapter (MCP, the tool execute endpoint)
 * runs it. Every other part of the tool is the wrapped one's.
 */
record AuditedTool(PeniaTool inner, BudgetEngine engine, Audit audit) implements PeniaTool {
    static final String SET_ALERTS = "set_alerts";

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        Object id = Args.toMap(args).get("budget_id");
        Map<String, Object> before = id instanceof String s
                ? engine.budget(s).map(Views::alertSettings).orElse(null) : null;
        Map<String, Object> after = inner.call(args, caller);
        audit.record(caller, "budget.alerts.update", "budget", String.valueOf(after.get("budget_id")), before, after);
        return after;
    }

    /** Wraps {@code set_alerts}; returns every other tool as it is. */
    static PeniaTool wrap(PeniaTool t, BudgetEngine engine, Audit audit) {
        return SET_ALERTS.equals(t.name()) ? new AuditedTool(t, engine, audit) : t;
    }

    @Override
    public ToolDefinition definition() {
        return inner.definition();
    }

    @Override
    public String summarize(Map<String, Object> result) {
        return inner.summarize(result);
    }

    @Override
    public String summarize(Map<String, Object> arguments, Map<String, Object> result) {
        return inner.summarize(arguments, result);
    }

    @Override
    public ToolHints hints() {
        return inner.hints();
    }
}
