package io.tekton.penia.server.rest;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.alerts.AlertDispatcher;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.server.security.Policy.Need;

import java.util.Map;

/** {@code /api/v1/alerts} and {@code /api/v1/reservations}. */
public final class MiscService {
    private MiscService() {
    }

    /** Alerts: list with filters, dismiss. */
    public static Routes.Service alerts(BudgetEngine engine, Http http) {
        return alerts(engine, http, null);
    }

    /** Alerts: list with filters, dismiss, and each alert's channel deliveries. */
    public static Routes.Service alerts(BudgetEngine engine, Http http, AlertDispatcher dispatcherOrNull) {
        return rules -> {
            rules.get("/", Need.ANY, (req, res) -> {
                        Caller c = Callers.of(req);
                        // A component key sees the alerts of the budgets it sees (a short page is possible).
                        Http.ok(res, Map.of("items", engine.alerts(Http.query(req, "budget_id"),
                                Http.severityQuery(req), Http.boolQuery(req, "dismissed"), http.limit(req, 100))
                                .stream().filter(a -> !Caller.COMPONENT.equals(c.role()) || a.budgetId() != null
                                        && engine.budget(a.budgetId()).filter(b -> Access.sees(c, b)).isPresent())
                                .map(Views::alert).toList()));
                    })
                    .post("/{alert_id}/dismiss", Need.ADMIN, (req, res) -> Http.ok(res, Views.alert(engine.dismissAlert(
                            Http.param(req, "alert_id")))));
            if (dispatcherOrNull != null) {
                rules.get("/{alert_id}/deliveries", Need.READ_ALL, (req, res) -> Http.ok(res, dispatcherOrNull.deliveries(
                        Http.param(req, "alert_id"),
                        Access.seesChannelSecrets(Callers.of(req)))));
            }
        };
    }

    /** Reservations: look one up, release it. */
    public static Routes.Service reservations(BudgetEngine engine) {
        return rules -> rules
                .get("/{reservation_id}", Need.ANY, (req, res) -> {
                    String id = Http.param(req, "reservation_id");
                    var r = engine.reservation(id).orElseThrow(() -> PeniaException.notFound("reservation", id));
                    Access.ownsHold(Callers.of(req), r);
                    Http.ok(res, Views.reservation(r));
                })
                .post("/{reservation_id}/release", Need.WRITE, (req, res) -> {
                    String id = Http.param(req, "reservation_id");
                    engine.reservation(id).ifPresent(r -> Access.ownsHold(Callers.of(req), r));
                    Http.ok(res, Views.reservation(engine.release(id)));
                });
    }


}
