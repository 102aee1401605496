package io.tekton.penia.server.rest;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Request counts and latency sums per route group, for /metrics (one instance per server). */
public final class RequestMetrics implements Filter {
    private final Map<String, LongAdder[]> byGroup = new ConcurrentHashMap<>();

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long t0 = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            String p = req.path().path();
            String group = group(p);
            LongAdder[] a = byGroup.computeIfAbsent(group, k -> new LongAdder[]{new LongAdder(), new LongAdder()});
            a[0].increment();
            a[1].add(System.nanoTime() - t0);
        }
    }

    /** The route groups under /api/v1; any other path counts as "other", so paths a client makes up cannot add series. */
    private static final Set<String> API_GROUPS = Set.of("budgets", "usage", "budget-alerts", "alerts", "reservations",
            "prices", "keys", "audit", "assistant");

    static String group(String path) {
        if (path.startsWith("/api/v1/")) {
            String rest = path.substring(8);
            int slash = rest.indexOf('/');
            String first = slash < 0 ? rest : rest.substring(0, slash);
            return API_GROUPS.contains(first) ? first : "other";
        }
        if (path.startsWith("/mcp")) {
            return "mcp";
        }
        if (path.startsWith("/api/tools")) {
            return "tools";
        }
        return switch (path) {
            case "/health", "/metrics", "/ws" -> path.substring(1);
            default -> "other";
        };
    }

    void appendTo(StringBuilder b) {
        b.append("# HELP penia_http_requests_total HTTP requests by route group\n# TYPE penia_http_requests_total counter\n");
        byGroup.forEach((g, a) -> b.append("penia_http_requests_total{group=\"").append(g).append("\"} ")
                .append(a[0].sum()).append('\n'));
        b.append("# HELP penia_http_request_seconds_sum Time spent serving requests by route group\n"
                + "# TYPE penia_http_request_seconds_sum counter\n");
        byGroup.forEach((g, a) -> b.append("penia_http_request_seconds_sum{group=\"").append(g).append("\"} ")
                .append(String.format(java.util.Locale.ROOT, "%.6f", a[1].sum() / 1e9)).append('\n'));
    }
}
