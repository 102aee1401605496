package io.tekton.penia.server.security;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.cors.CorsSupport;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.Handler;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.config.PeniaConfig;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * What a browser may do with Penia (SPEC §9), the same on REST, {@code /ws} and {@code /mcp}:
 * a page on any site can make a browser send requests to a loopback server, so
 * <ol>
 *   <li>the {@code Host} header must name Penia: the bound address, loopback
 *       ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}) or a configured name, any port
 *       (a rebound DNS name is refused with 403);</li>
 *   <li>a request carrying an {@code Origin} is served only for a configured origin or Penia's own
 *       ({@code http://<allowed host>:<port>}); {@code null} (sandboxed pages) never (403);</li>
 *   <li>a request body must be {@code application/json} (a {@code charset} parameter is fine),
 *       the type a page cannot send without a CORS preflight (415).</li>
 * </ol>
 * Clients that are no browser send no {@code Origin} and pass the second rule. The same
 * origins drive Helidon's CORS support ({@link #cors()}), so allowed pages get their preflight
 * and {@code Access-Control-Allow-*} headers.
 */
public final class BrowserPolicy {
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "[::]");
    private static final String JSON = "application/json";

    private final Set<String> configuredOrigins;
    private final Set<String> hosts;
    private final boolean anyHost;
    private final IntSupplier port;
    private volatile Set<String> ownOrigins;
    private volatile CorsSupport cors;

    private BrowserPolicy(Set<String> configuredOrigins, Set<String> hosts, boolean anyHost, IntSupplier port) {
        this.configuredOrigins = configuredOrigins;
        this.hosts = hosts;
        this.anyHost = anyHost;
        this.port = port;
    }

    /**
     * The policy of a server bound to {@code boundHost}; {@code port} is read when the first
     * request comes (the port is known only once the server listens, port 0 in tests).
     */
    public static BrowserPolicy create(PeniaConfig.Security cfg, String boundHost, IntSupplier port) {
        Set<String> hosts = new LinkedHashSet<>(LOOPBACK);
        String bound = hostName(boundHost);
        if (!WILDCARDS.contains(bound)) {
            hosts.add(bound);
        }
        boolean any = false;
        for (String h : cfg.allowedHosts()) {
            if (h.equals("*")) {
                any = true;
            } else {
                hosts.add(hostName(h));
            }
        }
        Set<String> origins = new LinkedHashSet<>();
        cfg.corsOrigins().forEach(o -> origins.add(normalizeOrigin(o)));
        return new BrowserPolicy(Set.copyOf(origins), Set.copyOf(hosts), any, port);
    }

    /**
     * The origins to list in Helidon's WebSocket configuration, which (since 4.5) admits only the
     * same origin when the list is empty and only the listed ones otherwise: empty without
     * configured origins, else those and Penia's own pages at {@code configuredPort} (unknown for
     * port 0: such a server admits only the configured ones cross-origin).
     */
    public Set<String> webSocketOrigins(int configuredPort) {
        if (configuredOrigins.isEmpty()) {
            return Set.of();
        }
        Set<String> all = new LinkedHashSet<>(configuredOrigins);
        if (configuredPort > 0) {
            hosts.forEach(h -> all.add("http://" + h + ":" + configuredPort));
        }
        return all;
    }

    /** True if this {@code Host} header value (null: none sent) names Penia. */
    public boolean hostAllowed(String hostHeader) {
        if (hostHeader == null || anyHost) {
            return true;
        }
        return hosts.contains(hostName(hostOf(hostHeader.trim())));
    }

    /** True if a request with this {@code Origin} (null: none sent, not a browser) may be served. */
    public boolean originAllowed(String originHeader) {
        if (originHeader == null) {
            return true;
        }
        String o = normalizeOrigin(originHeader);
        return configuredOrigins.contains(o) || ownOrigins().contains(o);
    }

    /** Why a request with these headers is refused, before anything reads it; empty to serve it. */
    public Optional<PeniaException> refusal(Headers headers) {
        Optional<PeniaException> browser = hostOrOrigin(headers);
        if (browser.isPresent()) {
            return browser;
        }
        if (!hasBody(headers)) {
            return Optional.empty();
        }
        Optional<String> type = headers.first(HeaderNames.CONTENT_TYPE);
        if (type.isPresent() && isJson(type.get())) {
            return Optional.empty();
        }
        String got = type.map(v -> v.length() > 100 ? v.substring(0, 100) + "…" : v).orElse("none");
        return Optional.of(new PeniaException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "a request body must be sent as "
                + JSON + " (got Content-Type: " + got + ")", Map.of("content_type", got, "accepted", JSON)));
    }

    /** The {@code Host} and {@code Origin} rules alone (a WebSocket upgrade has no body). */
    public Optional<PeniaException> hostOrOrigin(Headers headers) {
        Optional<String> host = headers.first(HeaderNames.HOST);
        if (!hostAllowed(host.orElse(null))) {
            return Optional.of(new PeniaException(ErrorCode.FORBIDDEN, "the Host header '" + clip(host.get())
                    + "' does not name this server; allowed: the bound address, localhost, 127.0.0.1, [::1]"
                    + " and PENIA_ALLOWED_HOSTS", Map.of("host", clip(host.get()))));
        }
        Optional<String> origin = headers.first(HeaderNames.ORIGIN);
        if (!originAllowed(origin.orElse(null))) {
            return Optional.of(new PeniaException(ErrorCode.FORBIDDEN, "origin '" + clip(origin.get())
                    + "' is not allowed; allowed origins come from PENIA_CORS_ORIGINS",
                    Map.of("origin", clip(origin.get()))));
        }
        return Optional.empty();
    }

    /** The filter applying {@link #refusal} to every HTTP request, with the shared error envelope. */
    public Filter filter() {
        return (chain, req, res) -> {
            Optional<PeniaException> refused = refusal(req.headers());
            if (refused.isEmpty()) {
                chain.proceed();
                return;
            }
            PeniaException e = refused.get();
            res.status(Status.create(e.code().httpStatus()));
            res.header(HeaderNames.CONTENT_TYPE, JSON);
            res.send(new Guard.Refused(e, Map.of()).json().getBytes(StandardCharsets.UTF_8));
        };
    }

    /** True for a CORS preflight: it carries no key, so it must reach {@link #cors()} unauthenticated. */
    public static boolean isPreflight(String method, Headers headers) {
        return "OPTIONS".equals(method) && headers.contains(HeaderNames.ORIGIN)
                && headers.contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /**
     * Helidon's CORS support over the same origins (configured and own), as a handler for every
     * path: answers preflights and adds {@code Access-Control-Allow-*} to allowed cross-origin
     * requests. Built on the first request, once the port is known.
     */
    public Handler cors() {
        return (req, res) -> corsSupport().handle(req, res);
    }

    private CorsSupport corsSupport() {
        CorsSupport c = cors;
        if (c == null) {
            synchronized (this) {
                c = cors;
                if (c == null) {
                    Set<String> all = new LinkedHashSet<>(configuredOrigins);
                    all.addAll(ownOrigins());
                    c = CorsSupport.builder()
                            .allowOrigins(all.toArray(String[]::new))
                            .allowMethods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
                            .allowHeaders(REQUEST_HEADERS.stream().map(HeaderName::defaultCase).toArray(String[]::new))
                            .exposeHeaders("Mcp-Session-Id", "Retry-After", "WWW-Authenticate", "Location")
                            .maxAgeSeconds(600)
                            .build();
                    cors = c;
                }
            }
        }
        return c;
    }

    private static final List<HeaderName> REQUEST_HEADERS = List.of(HeaderNames.CONTENT_TYPE, HeaderNames.ACCEPT,
            HeaderNames.AUTHORIZATION, HeaderNames.create("X-API-Key"), HeaderNames.create("Mcp-Session-Id"),
            HeaderNames.create("MCP-Protocol-Version"), HeaderNames.create("Last-Event-ID"));

    /** {@code http://<name>:<port>} for every allowed host name: pages Penia serves itself. */
    private Set<String> ownOrigins() {
        Set<String> own = ownOrigins;
        if (own == null) {
            Set<String> s = new LinkedHashSet<>();
            int p = port.getAsInt();
            hosts.forEach(h -> s.add("http://" + h + ":" + p));
            own = Set.copyOf(s);
            if (p > 0) {
                ownOrigins = own;
            }
        }
        return own;
    }

    private static boolean hasBody(Headers headers) {
        if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            return true;
        }
        OptionalLong length = headers.contentLength();
        return length.isPresent() && length.getAsLong() != 0;
    }

    /** {@code application/json}, optionally with a {@code charset} parameter and nothing else. */
    static boolean isJson(String contentType) {
        String[] parts = contentType.split(";");
        if (!parts[0].trim().equalsIgnoreCase(JSON)) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (!p.isEmpty() && (eq < 0 || !p.substring(0, eq).trim().equalsIgnoreCase("charset"))) {
                return false;
            }
        }
        return true;
    }

    /** The host part of a {@code Host} value: {@code [::1]:8113} → {@code [::1]}, {@code a.b:80} → {@code a.b}. */
    private static String hostOf(String hostHeader) {
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end < 0 ? hostHeader : hostHeader.substring(0, end + 1);
        }
        int colon = hostHeader.indexOf(':');
        return colon >= 0 && colon == hostHeader.lastIndexOf(':') ? hostHeader.substring(0, colon) : hostHeader;
    }

    /** Lower case, without a trailing dot; a bare IPv6 address in brackets. */
    private static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.contains(":") && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return h;
    }

    private static String normalizeOrigin(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
