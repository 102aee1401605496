package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.wire.Reports;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;
import io.tekton.penia.server.security.Policy.Need;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/** {@code /api/v1/budgets}: CRUD, live summary, and per-budget alert settings. */
public record BudgetsService(BudgetEngine engine, Http http, Audit audit) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.ANY, this::list)
                .post("/", Need.ADMIN, this::create)
                .get("/{budget_id}", Need.ANY, this::get)
                .put("/{budget_id}", Need.ADMIN, this::update)
                .delete("/{budget_id}", Need.ADMIN, this::delete)
                .get("/{budget_id}/summary", Need.ANY, this::summary)
                .get("/{budget_id}/alerts", Need.ANY, this::getAlerts)
                .put("/{budget_id}/alerts", Need.ADMIN, this::setAlerts);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Boolean active = Http.boolQuery(req, "active");
        String component = Http.query(req, "component");
        String provider = CanonicalNames.provider(Http.query(req, "provider"));
        Caller caller = Callers.of(req);
        List<Map<String, Object>> items = engine.budgets().stream()
                .filter(b -> Access.sees(caller, b))
                .filter(b -> active == null || b.active() == active)
                .filter(b -> component == null || component.equals(b.scope().component()))
                .filter(b -> provider == null || provider.equals(b.scope().provider()))
                .map(b -> Views.budget(b, Access.seesChannelSecrets(caller))).toList();
        Http.ok(res, Map.of("items", items, "count", items.size()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        BudgetSpec spec = Wire.budget(http.args(req), null);
        Map<String, Object> after = Views.budget(engine.createBudget(spec));
        audit.record(Callers.of(req), "budget.create", "budget", (String) after.get("budget_id"), null, after);
        Http.send(res, 201, after);
    }

    private void get(ServerRequest req, ServerResponse res) {
        show(req, res, Views::budget);
    }

    private void update(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "budget_id");
        change(req, res, id, Wire.budget(http.args(req), id), "budget.update", Views::budget);
    }

    /** Answers the path's budget, as {@code view} shows it to this caller, if the caller may see it. */
    private void show(ServerRequest req, ServerResponse res, BiFunction<Budget, Boolean, Map<String, Object>> view) {
        String id = Http.param(req, "budget_id");
        Budget b = engine.budget(id).orElseThrow(() -> PeniaException.notFound("budget", id));
        Caller caller = Callers.of(req);
        Callers.checkSees(caller, b);
        Http.ok(res, view.apply(b, Access.seesChannelSecrets(caller)));
    }

    /**
     * Applies {@code spec} to budget {@code id}, audits {@code action} with the budget before and after
     * (as {@code view} shows it) and answers the budget after.
     */
    private void change(ServerRequest req, ServerResponse res, String id, BudgetSpec spec, String action,
                        Function<Budget, Map<String, Object>> view) {
        Map<String, Object> before = engine.budget(id).map(view).orElse(null);
        Map<String, Object> after = view.apply(engine.updateBudget(id, spec));
        audit.record(Callers.of(req), action, "budget", id, before, after);
        Http.ok(res, after);
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Budget b = engine.deleteBudget(Http.param(req, "budget_id"));
        audit.record(Callers.of(req), "budget.delete", "budget", b.budgetId(), Views.budget(b), null);
        Http.ok(res, Map.of("deleted", true, "budget_id", b.budgetId()));
    }

    private void summary(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "budget_id");
        Caller caller = Callers.of(req);
        engine.budget(id).ifPresent(b -> Callers.checkSees(caller, b));
        String period = Http.query(req, "period");
        if (period != null) {
            // Tekton's original list form (its Hephaestus panel reads element 0 of ?period=daily).
            Http.ok(res, Reports.budgetPeriodList(engine, id, period));
            return;
        }
        Http.ok(res, Reports.budgetSummary(engine, id, Access.usageOf(caller)));
    }

    private void getAlerts(ServerRequest req, ServerResponse res) {
        show(req, res, Views::alertSettings);
    }

    private void setAlerts(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "budget_id");
        change(req, res, id, Wire.alertSettings(http.args(req)), "budget.alerts.update", Views::alertSettings);
    }
}
