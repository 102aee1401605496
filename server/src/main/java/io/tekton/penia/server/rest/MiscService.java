package io.tekton.penia.server.rest;

import io.helidon.webserver.http.HttpService;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.alerts.AlertDispatcher;
import io.tekton.penia.tools.wire.Views;

import java.util.Map;

/** {@code /api/v1/alerts} and {@code /api/v1/reservations}. */
public final class MiscService {
    private MiscService() {
    }

    /** Alerts: list with filters, dismiss. */
    public static HttpService alerts(BudgetEngine engine, Http http) {
        return alerts(engine, http, null);
    }

    /** Alerts: list with filters, dismiss, and each alert's channel deliveries. */
    public static HttpService alerts(BudgetEngine engine, Http http, AlertDispatcher dispatcherOrNull) {
        return rules -> {
            rules.get("/", (req, res) -> Http.ok(res, Map.of("items", engine.alerts(Http.query(req, "budget_id"),
                            Http.query(req, "severity"), Http.boolQuery(req, "dismissed"), http.limit(req, 100))
                            .stream().map(Views::alert).toList())))
                    .post("/{id}/dismiss", (req, res) -> Http.ok(res, Views.alert(engine.dismissAlert(Http.param(req, "id")))));
            if (dispatcherOrNull != null) {
                rules.get("/{id}/deliveries", (req, res) -> Http.ok(res, dispatcherOrNull.deliveries(Http.param(req, "id"))));
            }
        };
    }

    /** Reservations: look one up, release it. */
    public static HttpService reservations(BudgetEngine engine) {
        return rules -> rules
                .get("/{id}", (req, res) -> {
                    String id = Http.param(req, "id");
                    Http.ok(res, Views.reservation(engine.reservation(id)
                            .orElseThrow(() -> PeniaException.notFound("reservation", id))));
                })
                .post("/{id}/release", (req, res) -> Http.ok(res, Views.reservation(engine.release(Http.param(req, "id")))));
    }


}
