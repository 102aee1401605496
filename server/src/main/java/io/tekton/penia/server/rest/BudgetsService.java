package io.tekton.penia.server.rest;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.tools.wire.Reports;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;

import java.util.List;
import java.util.Map;

/** {@code /api/v1/budgets}: CRUD, live summary, and per-budget alert settings. */
public final class BudgetsService implements HttpService {
    private final BudgetEngine engine;
    private final Http http;

    public BudgetsService(BudgetEngine engine, Http http) {
        this.engine = engine;
        this.http = http;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::delete)
                .get("/{id}/summary", this::summary)
                .get("/{id}/alerts", this::getAlerts)
                .put("/{id}/alerts", this::setAlerts);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Boolean active = Http.boolQuery(req, "active");
        String component = Http.query(req, "component");
        String provider = Http.query(req, "provider");
        List<Map<String, Object>> items = engine.budgets().stream()
                .filter(b -> active == null || b.active() == active)
                .filter(b -> component == null || component.equals(b.scope().component()))
                .filter(b -> provider == null || provider.equals(b.scope().provider()))
                .map(Views::budget).toList();
        Http.ok(res, Map.of("items", items, "count", items.size()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        BudgetSpec spec = Wire.budget(http.args(req), null);
        Http.send(res, 201, Views.budget(engine.createBudget(spec)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "id");
        Budget b = engine.budget(id).orElseThrow(() -> PeniaException.notFound("budget", id));
        Http.ok(res, Views.budget(b));
    }

    private void update(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "id");
        BudgetSpec spec = Wire.budget(http.args(req), id);
        Http.ok(res, Views.budget(engine.updateBudget(id, spec)));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Budget b = engine.deleteBudget(Http.param(req, "id"));
        Http.ok(res, Map.of("deleted", true, "budget_id", b.budgetId()));
    }

    private void summary(ServerRequest req, ServerResponse res) {
        Http.ok(res, Reports.budgetSummary(engine, Http.param(req, "id")));
    }

    private void getAlerts(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "id");
        Budget b = engine.budget(id).orElseThrow(() -> PeniaException.notFound("budget", id));
        Http.ok(res, Views.alertSettings(b));
    }

    private void setAlerts(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "id");
        Http.ok(res, Views.alertSettings(engine.updateBudget(id, Wire.alertSettings(http.args(req)))));
    }
}
