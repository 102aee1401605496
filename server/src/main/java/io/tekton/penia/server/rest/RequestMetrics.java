package io.tekton.penia.server.rest;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Set;

/**
 * Times every request into {@code penia_http_requests_seconds} (a histogram) by method, route
 * template and status. The route is the documented template the path falls under
 * ({@code /api/v1/budgets/{budget_id}}), or {@code /mcp}, {@code /ws}; any other path counts as
 * {@code other}, so paths a client makes up cannot add series.
 */
public final class RequestMetrics implements Filter {
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};

    /** The optional access log (PENIA_ACCESS_LOG=on): one line per request, no query string, no headers. */
    private static final System.Logger ACCESS = System.getLogger("io.tekton.penia.access");
    private final MeterRegistry registry;
    private final Routes routes;
    /** Paths already matched (the fixed ones of the hot calls, and the first ids seen); bounded. */
    private static final int TEMPLATE_CACHE = 4096;
    private final java.util.Map<String, String> templates = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bounded: methods × route templates × status codes. */
    private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry, Routes routes) {
        this.registry = registry;
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long t0 = System.nanoTime();
        // Read before routing: once a service took the request its path is relative to that service.
        String path = req.path().path();
        try {
            chain.proceed();
        } finally {
            String m = req.prologue().method().text();
            String method = METHODS.contains(m) ? m : "OTHER";
            String route = route(path);
            int status = res.status().code();
            timers.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Timer.builder("penia.http.requests")
                            .description("HTTP requests by method, route template and status")
                            .tags("method", method, "route", route, "status", String.valueOf(status))
                            .serviceLevelObjectives(BUCKETS)
                            .register(registry))
                    .record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (ACCESS.isLoggable(System.Logger.Level.INFO)) {
                ACCESS.log(System.Logger.Level.INFO, req.remotePeer().host() + " " + m + " " + path + " " + status + " "
                        + String.format(java.util.Locale.ROOT, "%.1fms", (System.nanoTime() - t0) / 1e6));
            }
        }
    }

    /** The route template of {@code path}: a documented one, {@code /mcp}, {@code /ws}, or {@code other}. */
    String route(String path) {
        String known = templates.get(path);
        if (known != null) {
            return known;
        }
        String route = routes.label(path);
        if (templates.size() < TEMPLATE_CACHE) {
            templates.put(path, route);
        }
        return route;
    }
}
