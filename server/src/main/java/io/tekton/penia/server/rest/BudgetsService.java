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

/** {@code /api/v1/budgets}: CRUD, live summary, and per-budget alert settings. */
public final class BudgetsService implements Routes.Service {
    private final BudgetEngine engine;
    private final Http http;
    private final Audit audit;

    public BudgetsService(BudgetEngine engine, Http http, Audit audit) {
        this.engine = engine;
        this.http = http;
        this.audit = audit;
    }

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
        String id = Http.param(req, "budget_id");
        Budget b = engine.budget(id).orElseThrow(() -> PeniaException.notFound("budget", id));
        Caller caller = Callers.of(req);
        Callers.checkSees(caller, b);
        Http.ok(res, Views.budget(b, Access.seesChannelSecrets(caller)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "budget_id");
        BudgetSpec spec = Wire.budget(http.args(req), id);
        Map<String, Object> before = engine.budget(id).map(Views::budget).orElse(null);
        Map<String, Object> after = Views.budget(engine.updateBudget(id, spec));
        audit.record(Callers.of(req), "budget.update", "budget", id, before, after);
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
        String id = Http.param(req, "budget_id");
        Budget b = engine.budget(id).orElseThrow(() -> PeniaException.notFound("budget", id));
        Caller caller = Callers.of(req);
        Callers.checkSees(caller, b);
        Http.ok(res, Views.alertSettings(b, Access.seesChannelSecrets(caller)));
    }

    private void setAlerts(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "budget_id");
        BudgetSpec spec = Wire.alertSettings(http.args(req));
        Map<String, Object> before = engine.budget(id).map(Views::alertSettings).orElse(null);
        Map<String, Object> after = Views.alertSettings(engine.updateBudget(id, spec));
        audit.record(Callers.of(req), "budget.alerts.update", "budget", id, before, after);
        Http.ok(res, after);
    }
}
