package io.tekton.penia.server.rest;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.store.CommitTimes;
import io.tekton.penia.engine.store.LedgerWriter;
import io.tekton.penia.server.Health;

import java.util.Map;

/** {@code /health} (SPEC §8), {@code /ready} (Tekton's readiness probe) and {@code /metrics} (Prometheus text). */
public final class HealthService implements HttpService {
    private final Health health;
    private final RequestMetrics requests;

    public HealthService(Health health, RequestMetrics requests) {
        this.health = health;
        this.requests = requests;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health).get("/metrics", this::metrics).get("/openapi.yaml", this::openapi);
        rules.get("/ready", this::ready);
    }

    private void ready(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = health.readiness();
        Http.send(res, Boolean.TRUE.equals(body.get("ready")) ? 200 : 503, body);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = health.snapshot();
        Http.send(res, "healthy".equals(body.get("status")) ? 200 : 503, body);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        BudgetEngine.Stats s = health.engine().stats();
        StringBuilder b = new StringBuilder();
        metric(b, "penia_usage_records_total", "counter", "Usage records stored since start", s.recordsTotal());
        b.append("# HELP penia_cost_usd_total Cost recorded since start, USD\n# TYPE penia_cost_usd_total counter\n")
                .append("penia_cost_usd_total ").append(Money.ofMicros(s.costTotalMicros()).usd().toPlainString()).append('\n');
        metric(b, "penia_checks_total", "counter", "Budget checks since start", s.checksTotal());
        metric(b, "penia_checks_blocked_total", "counter", "Checks that were blocked", s.blocksTotal());
        metric(b, "penia_reservations_active", "gauge", "Holds not yet settled, released or expired", s.activeReservations());
        metric(b, "penia_reservations_expired_total", "counter", "Holds that expired", s.reservationsExpired());
        metric(b, "penia_alerts_total", "counter", "Alerts raised since start", s.alertsRaised());
        metric(b, "penia_alerts_suppressed_total", "counter", "Repeated alerts suppressed", s.alertsSuppressed());
        metric(b, "penia_breakers_open", "gauge", "Open circuit breakers", s.openBreakers());
        metric(b, "penia_budgets_active", "gauge", "Active budgets", s.activeBudgets());
        metric(b, "penia_ledger_commits_total", "counter", "Group commits of the ledger writer", s.writerCommits());
        metric(b, "penia_ledger_writes_total", "counter", "Writes committed by the ledger writer", s.writerWrites());
        metric(b, "penia_ledger_wal_frames", "gauge", "Frames (4 KB pages) in the SQLite WAL at the last checkpoint",
                s.walFrames());
        metric(b, "penia_ledger_wal_restarts_total", "counter",
                "Checkpoints by the ledger writer that let the WAL start again from its beginning", s.walRestarts());
        LedgerWriter writer = health.engine().writer();
        b.append("# HELP penia_ledger_wal_restart_seconds_total Time the ledger writer spent in its own checkpoints\n")
                .append("# TYPE penia_ledger_wal_restart_seconds_total counter\npenia_ledger_wal_restart_seconds_total ")
                .append(seconds(writer.walRestartNanos())).append('\n');
        CommitTimes times = writer.commitTimes();
        long[] cumulative = times.cumulative();
        b.append("# HELP penia_ledger_commit_seconds Group commits of the ledger writer, from the first write applied to the fsync done\n")
                .append("# TYPE penia_ledger_commit_seconds histogram\n");
        for (int i = 0; i < cumulative.length; i++) {
            b.append("penia_ledger_commit_seconds_bucket{le=\"")
                    .append(i < CommitTimes.BOUNDS_MS.length ? String.valueOf(CommitTimes.BOUNDS_MS[i] / 1000) : "+Inf")
                    .append("\"} ").append(cumulative[i]).append('\n');
        }
        b.append("penia_ledger_commit_seconds_sum ").append(seconds(times.sumNanos())).append('\n')
                .append("penia_ledger_commit_seconds_count ").append(cumulative[cumulative.length - 1]).append('\n');
        metric(b, "penia_websocket_connections", "gauge", "Connected WebSocket clients", health.websocketClientCount());
        requests.appendTo(b);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4");
        res.send(b.toString());
    }

    private void openapi(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
        res.send(OPENAPI);
    }

    private static final byte[] OPENAPI = load();

    /** The OpenAPI document served at {@code /openapi.yaml}. */
    public static byte[] openApi() {
        return OPENAPI.clone();
    }

    private static byte[] load() {
        try (var in = HealthService.class.getResourceAsStream("/openapi.yaml")) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String seconds(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    private static void metric(StringBuilder b, String name, String type, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value).append('\n');
    }
}
