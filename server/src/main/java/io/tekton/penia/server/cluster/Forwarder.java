package io.tekton.penia.server.cluster;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.rest.Http;
import io.tekton.penia.server.security.BrowserPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * On a follower, sends every API request to the leader and streams the answer back: same
 * method, path, query and body, the answer's status, headers and body, Server-Sent Events
 * included (written through as they arrive, never buffered whole). On the leader it does
 * nothing. Registered after {@link BrowserPolicy#filter()}, so the browser rules (Host, Origin,
 * JSON bodies) are judged here, where the browser connected, and before the security filter,
 * so authentication, rate limits and permissions are the leader's (its keys are the truth).
 *
 * <p>Instance-local routes stay here: {@code /health}, {@code /ready} and {@code /metrics}
 * describe this instance; the dashboard's files and {@code /openapi.yaml} are the same
 * everywhere; {@code /ws} is relayed by {@link WsRelay}; CORS preflights are answered by this
 * instance's CORS support (they carry no key and change nothing).
 */
public final class Forwarder implements Filter {
    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());
    /** Seconds a client is told to wait when no leader answers (a new one takes over in about that). */
    static final int RETRY_AFTER_SECONDS = 1;
    private static final int COPY_BUFFER_BYTES = 8 * 1024;

    /**
     * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message, so they are
     * never passed on either way. Host, Content-Length and Expect are the client's own to set
     * (java.net.http refuses them): Host becomes the leader's authority, so the leader's Host
     * allow-list (its bound address and loopback, any port) accepts it; Content-Length follows the
     * body; a 100-continue was already answered here.
     */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");
    /**
     * Not passed to the leader: the {@code Origin} was judged here against this instance's own
     * pages and the configured origins; the leader would judge it against its own address (a
     * follower's own page would be refused). Without it the leader treats the request as a
     * non-browser client, and this instance adds the CORS answer headers itself. The client's
     * {@code X-Forwarded-*} are replaced by what this instance saw.
     */
    private static final Set<String> NOT_FORWARDED = Set.of("origin", "x-forwarded-host", "x-forwarded-proto");
    /**
     * Not passed back: {@code Date} and {@code Server} are this server's to write; CORS headers
     * are this instance's (the leader saw no Origin); {@code Content-Length} is kept (the body is
     * copied byte for byte).
     */
    private static final Set<String> NOT_RETURNED = Set.of("date", "server", "access-control-allow-origin",
            "access-control-allow-credentials", "access-control-expose-headers", "vary");
    private static final HeaderName X_FORWARDED_FOR = HeaderNames.create("X-Forwarded-For");
    private static final String EXPOSED = "Mcp-Session-Id, Retry-After, WWW-Authenticate, Location";

    private final LeaderView view;
    private final int maxBodyBytes;
    private final HttpClient client;
    private final Duration answerTimeout;

    /**
     * @param view           who leads
     * @param maxBodyBytes   the same request body limit as the leader's (413 above it, here)
     * @param connectTimeout how long to wait for a TCP connection to the leader
     * @param answerTimeout  how long to wait for the leader's status line and headers (not the body:
     *                       an event stream stays open as long as the client wants)
     */
    public Forwarder(LeaderView view, int maxBodyBytes, Duration connectTimeout, Duration answerTimeout) {
        this.view = view;
        this.maxBodyBytes = maxBodyBytes;
        this.answerTimeout = answerTimeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** The {@code Via} entry a follower adds: a request carrying it is never forwarded again. */
    static final String VIA = "1.1 penia-follower";

    static boolean forwardedBefore(java.util.List<String> via) {
        for (String v : via) {
            if (v.contains("penia-follower")) {
                return true;
            }
        }
        return false;
    }

    /** True for the routes every instance answers itself. */
    static boolean local(String path) {
        return path.equals("/health") || path.equals("/ready") || path.equals("/metrics")
                || path.equals("/openapi.yaml") || path.equals("/") || path.startsWith("/ui/") || path.equals("/ws");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (view.isLeader() || local(req.path().path())
                || BrowserPolicy.isPreflight(req.prologue().method().text(), req.headers())) {
            chain.proceed();
            return;
        }
        Optional<URI> leader = view.leader();
        if (leader.isEmpty()) {
            unavailable(res, "no leader is known; another instance is taking over");
            return;
        }
        if (forwardedBefore(req.headers().all(HeaderNames.VIA, java.util.List::of))) {
            // Two instances that each think the other leads (a takeover in flight) must not bounce it.
            unavailable(res, "the request was forwarded to an instance that does not lead; retry shortly");
            return;
        }
        long declared = req.headers().first(HeaderNames.CONTENT_LENGTH).map(Forwarder::length).orElse(-1L);
        if (declared > maxBodyBytes) {
            tooLarge(req, res);
            return;
        }
        forward(leader.get(), req, res, declared);
    }

    private void forward(URI leader, RoutingRequest req, RoutingResponse res, long declared) {
        String rawQuery = req.query().rawValue();
        URI target = leader.resolve(req.path().rawPath() + (rawQuery.isEmpty() ? "" : "?" + rawQuery));
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(answerTimeout);
        Limited body = req.content().hasEntity() ? new Limited(req.content().inputStream(), maxBodyBytes) : null;
        b.method(req.prologue().method().text(), publisher(body, declared));
        passHeaders(req, b);
        HttpResponse<InputStream> answer;
        try {
            answer = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            if (body != null && body.exceeded) {
                tooLarge(req, res);
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "the leader at " + leader + " did not answer "
                    + req.prologue().method().text() + " " + req.path().path() + ": " + e);
            unavailable(res, "the leader did not answer; retry shortly");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(res, "interrupted while forwarding to the leader");
            return;
        }
        stream(answer, req, res);
    }

    private static HttpRequest.BodyPublisher publisher(Limited body, long declared) {
        if (body == null || declared == 0) {
            return HttpRequest.BodyPublishers.noBody();
        }
        HttpRequest.BodyPublisher in = HttpRequest.BodyPublishers.ofInputStream(() -> body);
        // A known length goes as Content-Length (the leader checks it before reading); else chunked.
        return declared > 0 ? HttpRequest.BodyPublishers.fromPublisher(in, declared) : in;
    }

    /**
     * Passes the end-to-end headers: the key ({@code X-API-Key}, {@code Authorization}: the leader
     * authenticates), {@code Content-Type}, {@code Accept}, the MCP session and protocol headers,
     * {@code Last-Event-ID} and the rest. Adds what the leader cannot see: the client's address,
     * the Host it asked for and its scheme.
     */
    private static void passHeaders(RoutingRequest req, HttpRequest.Builder b) {
        String forwardedFor = null;
        for (Header h : req.headers()) {
            String name = h.name().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || NOT_FORWARDED.contains(name)) {
                continue;
            }
            if (name.equals("x-forwarded-for")) {
                forwardedFor = h.values();
                continue;
            }
            for (String v : h.allValues()) {
                b.header(h.name(), v);
            }
        }
        String client = remote(req);
        b.header(X_FORWARDED_FOR.defaultCase(), forwardedFor == null ? client : forwardedFor + ", " + client);
        req.headers().first(HeaderNames.HOST).ifPresent(host -> b.header("X-Forwarded-Host", host));
        b.header("X-Forwarded-Proto", req.isSecure() ? "https" : "http");
        b.header("Via", VIA);
    }

    /** Writes the leader's answer back as it comes; an event stream is flushed event by event. */
    private static void stream(HttpResponse<InputStream> answer, RoutingRequest req, RoutingResponse res) {
        res.status(Status.create(answer.statusCode()));
        answer.headers().map().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(n) || n.equals("content-length")) {
                if (!NOT_RETURNED.contains(n) && !n.startsWith(":")) {
                    res.header(HeaderNames.create(name), values.toArray(String[]::new));
                }
            }
        });
        req.headers().first(HeaderNames.ORIGIN).ifPresent(origin -> {
            // BrowserPolicy admitted this origin before the request got here.
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
            res.header(HeaderNames.VARY, "Origin");
        });
        try (InputStream in = answer.body()) {
            if (answer.headers().firstValue("content-length").isPresent()) {
                // A whole answer of known length (not an event stream): sent in one piece, its length
                // set by this server. Copied through the output stream, about one in eight of many
                // concurrent answers ended with the client's kept-alive connection closed, nothing sent.
                byte[] whole = in.readAllBytes();
                res.headers().remove(HeaderNames.CONTENT_LENGTH);
                res.send(whole);
                return;
            }
            byte[] buf = new byte[COPY_BUFFER_BYTES];
            int n = in.read(buf);
            if (n < 0) {
                // No body (202 to a notification, 204): sent as such, not as an empty stream.
                res.headers().remove(HeaderNames.CONTENT_LENGTH);
                res.send();
                return;
            }
            copy(in, res, buf, n);
        } catch (IOException | UncheckedIOException e) {
            // The client went away, or the leader cut the stream: closing both ends is all there is.
            LOG.log(System.Logger.Level.DEBUG, () -> "forwarded answer cut: " + e);
        }
    }

    private static void copy(InputStream in, RoutingResponse res, byte[] buf, int first) throws IOException {
        try (OutputStream out = res.outputStream()) {
            int n = first;
            for (; n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                if (in.available() == 0) {
                    // Nothing more has arrived: send what we have (one SSE event, or the last part).
                    out.flush();
                }
            }
        }
    }

    private static void unavailable(RoutingResponse res, String message) {
        Http.error(res, new PeniaException(ErrorCode.UNAVAILABLE, message,
                Map.of("retry_after_seconds", RETRY_AFTER_SECONDS)));
    }

    /** The leader's own 413: the REST envelope, or a JSON-RPC error on {@code /mcp}. */
    private void tooLarge(RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.equals("/mcp") || path.startsWith("/mcp/")) {
            Map<String, Object> error = Map.of("code", -32600, "message", "Request body exceeds " + maxBodyBytes
                    + " bytes", "data", Map.of("code", ErrorCode.PAYLOAD_TOO_LARGE.wireName()));
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("jsonrpc", "2.0");
            body.put("id", null);
            body.put("error", error);
            try {
                res.status(Status.create(ErrorCode.PAYLOAD_TOO_LARGE.httpStatus()));
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(Json.mapper().writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        Http.error(res, new PeniaException(ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + maxBodyBytes
                + " bytes", Map.of("max_bytes", maxBodyBytes)));
    }

    private static long length(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            // The leader answers a broken Content-Length with its own 400: pass it on.
            return -1;
        }
    }

    private static String remote(RoutingRequest req) {
        if (req.remotePeer().address() instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
        }
        return String.valueOf(req.remotePeer().address());
    }

    /** The request body, cut off with an error once it passes the limit (a chunked body has no length). */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private final long limit;
        private long read;
        volatile boolean exceeded;

        Limited(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                read += n;
                if (read > limit) {
                    exceeded = true;
                    throw new IOException("request body larger than " + limit + " bytes");
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
