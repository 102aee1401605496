package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetDefaults;
import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.EngineFigures;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.CheckInput;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.BreakerState;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Streamed;
import io.tekton.penia.tools.wire.Views;
import io.tekton.penia.tools.wire.Wire;
import io.tekton.penia.server.security.Policy.Need;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/budget-alerts}: the unified decision of both monitors, their status,
 * evaluation on demand, thresholds, alert history and the breaker reset.
 */
public record AlertsService(BudgetEngine engine, Http http, Audit audit) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.post("/initialize", Need.ANY, this::initialize)
                .post("/unified/check-operation", Need.WRITE, this::checkOperation)
                .get("/unified/status", Need.READ_ALL, this::unifiedStatus)
                .post("/unified/check", Need.ADMIN, this::check)
                .get("/status", Need.READ_ALL, this::guardrailStatus)
                .post("/check", Need.ADMIN, this::check)
                .get("/alerts/history", Need.READ_ALL, this::history)
                .get("/thresholds", Need.ANY, (req, res) -> Http.ok(res, defaults(engine.defaults())))
                .put("/thresholds", Need.ADMIN, this::thresholds)
                .get("/health", Need.ANY, this::health)
                .post("/breakers/{budget_id}/reset", Need.ADMIN, this::resetBreaker);
    }

    private void initialize(ServerRequest req, ServerResponse res) {
        EngineFigures s = engine.stats();
        Http.ok(res, Map.of("initialized", true, "monitors", List.of("guardrail", "realtime"),
                "budgets", s.budgets(), "active_budgets", s.activeBudgets()));
    }

    private void checkOperation(ServerRequest req, ServerResponse res) {
        CheckInput in = Wire.check(http.args(req));
        Access.actFor(Callers.of(req), in.component());
        CheckResult r = engine.check(in);
        Http.ok(res, Streamed.check(r));
    }

    private void check(ServerRequest req, ServerResponse res) {
        List<Alert> raised = engine.evaluateAll(true);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("evaluated_budgets", engine.stats().activeBudgets());
        body.put("alerts_raised", raised.stream().map(Views::alert).toList());
        body.put("alerts_suppressed_total", engine.alertsSuppressed());
        Http.ok(res, body);
    }

    private List<Map<String, Object>> budgetStatuses() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (BudgetStatus s : engine.statuses()) {
            Map<String, Object> m = Views.status(s);
            m.put("is_active", s.budget().active());
            m.put("enforcement", s.budget().enforcement().wireName());
            out.add(m);
        }
        return out;
    }

    private List<Map<String, Object>> breakers() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (BudgetStatus s : engine.statuses()) {
            for (PeriodStatus p : s.periods()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("budget_id", s.budget().budgetId());
                m.put("period", p.period().wireName());
                m.put("state", BreakerState.of(p.breakerOpen()).wireName());
                out.add(m);
            }
        }
        return out;
    }

    private void unifiedStatus(ServerRequest req, ServerResponse res) {
        EngineFigures st = engine.stats();
        BudgetDefaults d = engine.defaults();
        Map<String, Object> global = new LinkedHashMap<>();
        global.put("status", st.openBreakers() > 0 ? "critical" : "ok");
        global.put("active_budgets", st.activeBudgets());
        global.put("open_breakers", st.openBreakers());
        global.put("active_reservations", st.activeReservations());
        global.put("alerts_raised", st.alertsRaised());
        global.put("alerts_suppressed", st.alertsSuppressed());
        Map<String, Object> guardrail = new LinkedHashMap<>();
        guardrail.put("thresholds", d.thresholds());
        guardrail.put("evaluation_interval_seconds", engine.config().evaluationInterval().toSeconds());
        guardrail.put("budgets", budgetStatuses());
        Map<String, Object> realtime = new LinkedHashMap<>();
        realtime.put("warning_percent", d.warningPercent());
        realtime.put("stop_percent", d.stopPercent());
        realtime.put("cooldown_seconds", d.cooldownSeconds());
        realtime.put("checks_total", st.checksTotal());
        realtime.put("blocks_total", st.blocksTotal());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("global", global);
        body.put("guardrail", guardrail);
        body.put("realtime", realtime);
        body.put("breakers", breakers());
        body.put("cooldowns", engine.cooldowns());
        Http.ok(res, body);
    }

    private void guardrailStatus(ServerRequest req, ServerResponse res) {
        Http.ok(res, Map.of("budgets", budgetStatuses(), "breakers", breakers()));
    }

    private void history(ServerRequest req, ServerResponse res) {
        List<Alert> list = engine.alerts(Http.query(req, "budget_id"), Http.severityQuery(req),
                Http.boolQuery(req, "dismissed"), http.limit(req, 100));
        long suppressed = list.stream().mapToLong(Alert::suppressedCount).sum();
        Http.ok(res, Map.of("alerts", list.stream().map(Views::alert).toList(), "suppressed_in_page", suppressed,
                "suppressed_total", engine.alertsSuppressed()));
    }

    private void thresholds(ServerRequest req, ServerResponse res) {
        Args a = http.args(req);
        BudgetDefaults cur = engine.defaults();
        List<Integer> t = a.ints("thresholds", 20, 1, 1000);
        Integer w = a.intRange("warning_percent", 1, 1000);
        Integer s = a.intRange("stop_percent", 1, 1000);
        Long c = a.nonNegLong("cooldown_seconds");
        a.noOthers();
        BudgetDefaults d = engine.setDefaults(new BudgetDefaults(t == null ? cur.thresholds() : t,
                w == null ? cur.warningPercent() : w, s == null ? cur.stopPercent() : s,
                c == null ? cur.cooldownSeconds() : c));
        audit.record(Callers.of(req), "thresholds.update", "thresholds", "defaults", defaults(cur), defaults(d));
        Http.ok(res, defaults(d));
    }

    private static Map<String, Object> defaults(BudgetDefaults d) {
        return Map.of("thresholds", d.thresholds(), "warning_percent", d.warningPercent(), "stop_percent",
                d.stopPercent(), "cooldown_seconds", d.cooldownSeconds());
    }

    private void health(ServerRequest req, ServerResponse res) {
        EngineFigures st = engine.stats();
        Http.ok(res, Map.of("status", "healthy", "monitors", Map.of("guardrail", "running", "realtime", "running"),
                "active_budgets", st.activeBudgets(), "open_breakers", st.openBreakers(),
                "writer_failures", st.writerFailures()));
    }

    private void resetBreaker(ServerRequest req, ServerResponse res) {
        Args a = http.args(req);
        Period p = Wire.period(a.str("period"), "period");
        a.noOthers();
        String id = Http.param(req, "budget_id");
        Map<String, Object> before = new LinkedHashMap<>();
        engine.status(id).periods().forEach(s -> before.put(s.period().wireName(),
                BreakerState.of(s.breakerOpen()).wireName()));
        Map<String, Object> after = engine.resetBreaker(id, p);
        audit.record(Callers.of(req), "breaker.reset", "breaker", id, Map.of("budget_id", id, "breakers", before), after);
        Http.ok(res, after);
    }
}
