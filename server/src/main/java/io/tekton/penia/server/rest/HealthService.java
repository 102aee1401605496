package io.tekton.penia.server.rest;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.server.Health;
import io.tekton.penia.server.PeniaMetrics;
import io.tekton.penia.server.security.Policy.Need;

import java.util.Map;

/** {@code /health} (SPEC §8), {@code /ready} (Tekton's readiness probe) and {@code /metrics} (Prometheus text). */
public record HealthService(Health health, PeniaMetrics metrics) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/health", Need.PUBLIC, this::health)
                .get("/metrics", Need.ANY, this::metrics)
                .get("/openapi.yaml", Need.PUBLIC, this::openapi)
                .get("/ready", Need.PUBLIC, this::ready);
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
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(metrics.scrape());
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
}
