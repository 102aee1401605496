package io.tekton.penia.server.mcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The MCP Streamable HTTP transport (spec 2025-03-26 to 2025-11-25) for the MCP Java SDK,
 * as a Helidon {@link HttpService}. Mount it with {@code routing.register("/mcp", transport)}
 * and hand it to {@code McpServer.sync(transport)}.
 *
 * <ul>
 *   <li>{@code POST}: {@code initialize} creates a session (its id in the
 *       {@code Mcp-Session-Id} header, the result as JSON); notifications and responses
 *       get 202; any other request gets a {@code text/event-stream} reply carrying its
 *       notifications, server requests and finally its response.</li>
 *   <li>{@code GET}: the session's listening stream for server-initiated messages.</li>
 *   <li>{@code DELETE}: ends the session.</li>
 * </ul>
 *
 * <p>Faults the transport answers itself carry a JSON-RPC error body: a foreign
 * {@code Origin} 403, a missing session id 400, an unknown or expired session 404, a body
 * over the limit 413, broken JSON 400, an unsupported {@code MCP-Protocol-Version} 400,
 * too many sessions 503, too many streams on a session 429. Open streams get an SSE
 * comment after every quiet keep-alive interval (which also detects vanished clients);
 * sessions without streams or requests for the idle timeout are closed by a periodic sweep.
 * Call {@link #closeGracefully()} (or the MCP server's) before stopping the web server.
 */
public final class HelidonMcpTransport implements McpStreamableServerTransportProvider, HttpService {
    private static final System.Logger LOG = System.getLogger(HelidonMcpTransport.class.getName());
    private static final HeaderName SESSION_ID = HeaderNames.create(HttpHeaders.MCP_SESSION_ID);
    private static final HeaderName PROTOCOL_VERSION = HeaderNames.create(HttpHeaders.PROTOCOL_VERSION);
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create(HttpHeaders.LAST_EVENT_ID);
    private static final String EVENT_STREAM = "text/event-stream";
    /** Clients of this version and later expect a priming event (id, empty data) first. */
    private static final String PRIMING_SINCE = ProtocolVersions.MCP_2025_11_25;
    /** Bound on the SDK work a request thread waits for: initialize, notifications, delete. */
    private static final Duration SDK_CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final TypeRef<McpSchema.InitializeRequest> INITIALIZE_REQUEST = new TypeRef<>() {
    };

    private final McpJsonMapper jsonMapper;
    private final OriginPolicy origins;
    private final McpRequestGate gate;
    private final RequestReader reader;
    private final long keepAliveNanos;
    private final Duration shutdownDrainTimeout;
    private final McpSessions sessions;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile McpStreamableServerSession.Factory sessionFactory;

    private HelidonMcpTransport(Builder builder, OriginPolicy origins) {
        this.jsonMapper = builder.jsonMapper;
        this.origins = origins;
        this.gate = builder.gate;
        this.reader = new RequestReader(builder.jsonMapper, builder.maxBodyBytes);
        this.keepAliveNanos = builder.keepAliveInterval.toNanos();
        this.shutdownDrainTimeout = builder.shutdownDrainTimeout;
        this.sessions = new McpSessions(builder.maxSessions, builder.maxStreamsPerSession,
                builder.sessionIdleTimeout.toNanos());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("penia-mcp-timer").factory());
        long sweepMillis = Math.clamp(builder.sessionIdleTimeout.toMillis() / 4, 10, 30_000);
        timer.scheduleWithFixedDelay(this::sweepIdle, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        // Ticking at half the interval keeps every quiet gap under 1.5 intervals.
        long keepAliveTickMillis = Math.max(1, builder.keepAliveInterval.toMillis() / 2);
        timer.scheduleWithFixedDelay(this::keepAlive, keepAliveTickMillis, keepAliveTickMillis, TimeUnit.MILLISECONDS);
    }

    /** A builder with every limit set to its documented default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of live sessions. */
    public int activeSessions() {
        return sessions.size();
    }

    /**
     * Closes every session whose initialize request was admitted with a context matching
     * {@code openedBy} (the sessions of a revoked API key): their streams end at once, later
     * requests get 404. Returns how many were closed.
     */
    public int closeSessions(Predicate<McpTransportContext> openedBy) {
        int closed = sessions.closeWhere(entry -> openedBy.test(entry.openedBy()));
        if (closed > 0) {
            LOG.log(System.Logger.Level.INFO, () -> "closed " + closed + " MCP sessions on request");
        }
        return closed;
    }

    /** The ids of the live sessions, as a snapshot. */
    public Set<String> sessionIds() {
        return sessions.all().stream().map(McpSessions.Entry::id).collect(Collectors.toUnmodifiableSet());
    }

    // ---- Helidon -------------------------------------------------------------------

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::post)
                .get("/", this::get)
                .delete("/", this::delete)
                .any("/", this::methodNotAllowed);
    }

    /** A safety net: the web server stopped without MCP being closed first. */
    @Override
    public void afterStop() {
        shutdown(Duration.ZERO);
    }

    // ---- MCP SDK -------------------------------------------------------------------

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Flux.fromIterable(List.copyOf(sessions.all()))
                .flatMap(entry -> entry.session().sendNotification(method, params).onErrorResume(e -> {
                    LOG.log(System.Logger.Level.DEBUG, () -> "no notification to session " + entry.id() + ": " + e);
                    return Mono.empty();
                }))
                .then();
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return Mono.defer(() -> {
            McpSessions.Entry entry = sessions.get(sessionId);
            return entry == null ? Mono.empty() : entry.session().sendNotification(method, params);
        });
    }

    /**
     * Refuses new requests, ends listening streams and sessions, lets in-flight request
     * streams finish for up to the drain timeout, then closes what is left.
     */
    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> shutdown(shutdownDrainTimeout))
                .subscribeOn(Schedulers.boundedElastic())
                .then();
    }

    /** Closes at once, without waiting for in-flight requests. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    // ---- POST ----------------------------------------------------------------------

    private void post(ServerRequest req, ServerResponse res) {
        Optional<McpTransportContext> admitted = admit(req, res);
        if (admitted.isEmpty()) {
            return;
        }
        Optional<McpSchema.JSONRPCMessage> parsed = reader.read(req, res);
        if (parsed.isEmpty()) {
            return;
        }
        McpSchema.JSONRPCMessage message = parsed.get();
        Object id = message instanceof McpSchema.JSONRPCRequest r ? r.id() : null;
        if (message instanceof McpSchema.JSONRPCRequest r && McpSchema.METHOD_INITIALIZE.equals(r.method())) {
            initialize(r, admitted.get(), res);
            return;
        }
        Optional<McpSessions.Entry> entry = session(req, res, id);
        if (entry.isEmpty()) {
            return;
        }
        entry.get().touch();
        switch (message) {
            case McpSchema.JSONRPCRequest request -> replyOnStream(entry.get(), request, admitted.get(), req, res);
            case McpSchema.JSONRPCNotification notification -> accept(entry.get(), notification, admitted.get(), res);
            case McpSchema.JSONRPCResponse response -> accept(entry.get(), response, res);
            default -> TransportError.INVALID_REQUEST.send(res, jsonMapper, null, "Not a JSON-RPC message");
        }
    }

    private void initialize(McpSchema.JSONRPCRequest request, McpTransportContext context, ServerResponse res) {
        McpStreamableServerSession.Factory factory = sessionFactory;
        if (factory == null) {
            TransportError.NOT_READY.send(res, jsonMapper, request.id(), "MCP server is not ready");
            return;
        }
        if (!(request.params() instanceof Map<?, ?>)) {
            TransportError.INVALID_PARAMS.send(res, jsonMapper, request.id(), "initialize needs params");
            return;
        }
        if (!sessions.reserve()) {
            sweepIdle();
            if (!sessions.reserve()) {
                TransportError.TOO_MANY_SESSIONS.send(res, jsonMapper, request.id(),
                        "Too many MCP sessions (max=" + sessions.maxSessions() + "); retry later");
                return;
            }
        }
        McpSessions.Entry entry = null;
        try {
            McpSchema.InitializeRequest params = jsonMapper.convertValue(request.params(), INITIALIZE_REQUEST);
            McpStreamableServerSession.McpStreamableServerSessionInit init = factory.startSession(params);
            entry = sessions.add(init.session(), context);
            McpSchema.InitializeResult result = init.initResult()
                    .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context))
                    .block(SDK_CALL_TIMEOUT);
            entry.protocolVersion(result.protocolVersion());
            res.header(SESSION_ID, entry.id());
            sendJson(res, McpSchema.JSONRPCResponse.result(request.id(), result));
        } catch (IllegalArgumentException e) {
            forget(entry);
            TransportError.INVALID_PARAMS.send(res, jsonMapper, request.id(), "Invalid initialize params");
        } catch (RuntimeException | IOException e) {
            forget(entry);
            internalError(res, request.id(), "initialize", e);
        }
    }

    /** Undoes a failed initialization: frees the slot, drops the session if it was added. */
    private void forget(McpSessions.Entry entry) {
        if (entry == null) {
            sessions.release();
        } else if (sessions.remove(entry.id()) != null) {
            entry.session().close();
        }
    }

    /** Runs one request on its own SSE stream and parks until the response is out. */
    private void replyOnStream(McpSessions.Entry entry, McpSchema.JSONRPCRequest request,
                               McpTransportContext context, ServerRequest req, ServerResponse res) {
        if (!RequestReader.accepts(req, EVENT_STREAM)) {
            TransportError.NOT_ACCEPTABLE.send(res, jsonMapper, request.id(), "Accept must include text/event-stream");
            return;
        }
        SseStream stream = new SseStream(entry.nextStreamId(), res, jsonMapper);
        if (!entry.openStream(stream)) {
            refuseStream(entry, request.id(), res);
            return;
        }
        McpSchema.JSONRPCResponse lastWords = McpSchema.JSONRPCResponse.error(request.id(),
                new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR,
                        "The request ended without a response (server shutting down or session closed)", null));
        try {
            stream.start(primes(entry) ? SseStream.Opening.PRIMING_EVENT : SseStream.Opening.SILENT, () -> { });
            Disposable call = entry.session().responseStream(stream).handle(request)
                    .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context))
                    .subscribe(null, error -> {
                        LOG.log(System.Logger.Level.DEBUG, () -> "stream " + stream.id() + " of session "
                                + entry.id() + " failed: " + error);
                        stream.close();
                    }, stream::close);
            stream.awaitClosed();
            call.dispose();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "client left stream " + stream.id() + ": " + e);
        } finally {
            entry.streamEnded(stream);
            stream.finish(lastWords);
        }
    }

    private void accept(McpSessions.Entry entry, McpSchema.JSONRPCNotification notification,
                        McpTransportContext context, ServerResponse res) {
        try {
            entry.session().accept(notification)
                    .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context))
                    .block(SDK_CALL_TIMEOUT);
            res.status(Status.ACCEPTED_202).send();
        } catch (RuntimeException e) {
            internalError(res, null, "notification " + notification.method(), e);
        }
    }

    private void accept(McpSessions.Entry entry, McpSchema.JSONRPCResponse response, ServerResponse res) {
        try {
            entry.session().accept(response).block(SDK_CALL_TIMEOUT);
            res.status(Status.ACCEPTED_202).send();
        } catch (McpError e) {
            // A response to a request we never sent, or already timed out.
            TransportError.INVALID_REQUEST.send(res, jsonMapper, null, "No pending request with id " + response.id());
        } catch (RuntimeException e) {
            internalError(res, null, "response " + response.id(), e);
        }
    }

    // ---- GET -----------------------------------------------------------------------

    /** Opens the session's listening stream and parks until it ends. */
    private void get(ServerRequest req, ServerResponse res) {
        if (admit(req, res).isEmpty()) {
            return;
        }
        if (!RequestReader.accepts(req, EVENT_STREAM)) {
            TransportError.NOT_ACCEPTABLE.send(res, jsonMapper, null, "Accept must include text/event-stream");
            return;
        }
        Optional<McpSessions.Entry> found = session(req, res, null);
        if (found.isEmpty()) {
            return;
        }
        McpSessions.Entry entry = found.get();
        SseStream stream = new SseStream(entry.nextStreamId(), res, jsonMapper);
        if (!entry.openStream(stream)) {
            refuseStream(entry, null, res);
            return;
        }
        // Messages are not stored, so a resumption (Last-Event-ID) gets a fresh stream.
        req.headers().first(LAST_EVENT_ID).ifPresent(last -> LOG.log(System.Logger.Level.DEBUG,
                () -> "session " + entry.id() + " resumes after " + last + "; nothing is replayed"));
        List<McpStreamableServerSession.McpStreamableServerSessionStream> listening = new ArrayList<>(1);
        try {
            // Helidon sends no headers before the first body byte: open with an event or a
            // comment. The stream is attached first, so a client that saw the headers can
            // rely on receiving every later notification.
            stream.start(primes(entry) ? SseStream.Opening.PRIMING_EVENT : SseStream.Opening.COMMENT,
                    () -> listening.add(entry.listenOn(stream)));
            stream.awaitClosed();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "client left listening stream of " + entry.id() + ": " + e);
        } finally {
            // Fails the server's pending requests on this stream now rather than at their timeout.
            listening.forEach(McpStreamableServerSession.McpStreamableServerSessionStream::close);
            entry.streamEnded(stream);
            stream.finish(null);
        }
    }

    // ---- DELETE --------------------------------------------------------------------

    private void delete(ServerRequest req, ServerResponse res) {
        Optional<McpTransportContext> admitted = admit(req, res);
        if (admitted.isEmpty()) {
            return;
        }
        Optional<McpSessions.Entry> found = session(req, res, null);
        if (found.isEmpty()) {
            return;
        }
        McpSessions.Entry entry = sessions.remove(found.get().id());
        if (entry == null) {
            TransportError.UNKNOWN_SESSION.send(res, jsonMapper, null, "Session not found or expired");
            return;
        }
        try {
            entry.session().delete()
                    .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, admitted.get()))
                    .block(SDK_CALL_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing MCP session " + entry.id() + " failed", e);
        }
        entry.seal().forEach(SseStream::close);
        res.status(Status.OK_200).send();
    }

    private void methodNotAllowed(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.ALLOW, "GET, POST, DELETE");
        TransportError.METHOD_NOT_ALLOWED.send(res, jsonMapper, null,
                "Method " + req.prologue().method().text() + " not allowed; use GET, POST or DELETE");
    }

    // ---- shared checks -------------------------------------------------------------

    /** Origin, shutdown and gate checks common to every method; empty when answered. */
    private Optional<McpTransportContext> admit(ServerRequest req, ServerResponse res) {
        if (!origins.permits(req.headers().first(HeaderNames.ORIGIN))) {
            TransportError.FORBIDDEN_ORIGIN.send(res, jsonMapper, null, "Origin not allowed");
            return Optional.empty();
        }
        if (closing.get()) {
            TransportError.SHUTTING_DOWN.send(res, jsonMapper, null, "MCP server is shutting down");
            return Optional.empty();
        }
        McpRequestGate.Decision decision;
        try {
            decision = gate.check(req);
        } catch (RuntimeException e) {
            internalError(res, null, "request gate", e);
            return Optional.empty();
        }
        return switch (decision) {
            case McpRequestGate.Allow allow -> Optional.of(allow.context());
            case McpRequestGate.Reject reject -> {
                reject.headers().forEach(res::header);
                res.status(Status.create(reject.httpStatus()));
                res.headers().contentType(MediaTypes.APPLICATION_JSON);
                res.send(reject.jsonBody().getBytes(StandardCharsets.UTF_8));
                yield Optional.empty();
            }
        };
    }

    /** An absent header means 2025-03-26 (spec); a present one must be a version we speak. */
    private boolean protocolVersionSupported(ServerRequest req, ServerResponse res, Object id) {
        Optional<String> version = req.headers().first(PROTOCOL_VERSION).map(String::trim);
        if (version.isEmpty() || protocolVersions().contains(version.get())) {
            return true;
        }
        String shown = version.get().length() > 40 ? version.get().substring(0, 40) + "…" : version.get();
        TransportError.UNSUPPORTED_PROTOCOL_VERSION.send(res, jsonMapper, id,
                "Unsupported MCP-Protocol-Version '" + shown + "' (supported: " + protocolVersions() + ")");
        return false;
    }

    /**
     * The session named by the request's header, once the request's protocol version is one we
     * speak; empty (and answered) when the version is not, or the session is missing or unknown.
     */
    private Optional<McpSessions.Entry> session(ServerRequest req, ServerResponse res, Object id) {
        if (!protocolVersionSupported(req, res, id)) {
            return Optional.empty();
        }
        Optional<String> sessionId = req.headers().first(SESSION_ID).map(String::trim).filter(s -> !s.isEmpty());
        if (sessionId.isEmpty()) {
            TransportError.MISSING_SESSION.send(res, jsonMapper, id, "Mcp-Session-Id header is required");
            return Optional.empty();
        }
        McpSessions.Entry entry = sessions.get(sessionId.get());
        if (entry == null) {
            TransportError.UNKNOWN_SESSION.send(res, jsonMapper, id, "Session not found or expired");
            return Optional.empty();
        }
        return Optional.of(entry);
    }

    private void refuseStream(McpSessions.Entry entry, Object id, ServerResponse res) {
        if (sessions.get(entry.id()) != entry) {
            TransportError.UNKNOWN_SESSION.send(res, jsonMapper, id, "Session not found or expired");
        } else {
            TransportError.TOO_MANY_STREAMS.send(res, jsonMapper, id, "Too many open streams on this session (max="
                    + sessions.maxStreamsPerSession() + ")");
        }
    }

    private static boolean primes(McpSessions.Entry entry) {
        return entry.protocolVersion().compareTo(PRIMING_SINCE) >= 0;
    }

    private void sendJson(ServerResponse res, Object body) throws IOException {
        byte[] bytes = jsonMapper.writeValueAsBytes(body);
        res.status(Status.OK_200);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(bytes);
    }

    /** A 500 that says nothing internal; the log has the detail under the same reference. */
    private void internalError(ServerResponse res, Object id, String what, Exception e) {
        String ref = Long.toHexString(ThreadLocalRandom.current().nextLong());
        LOG.log(System.Logger.Level.ERROR, "MCP " + what + " failed (ref " + ref + ")", e);
        if (!res.isSent()) {
            TransportError.INTERNAL.send(res, jsonMapper, id, "Internal error (ref " + ref + ")");
        }
    }

    // ---- housekeeping --------------------------------------------------------------

    private void sweepIdle() {
        try {
            int closed = sessions.closeIdle(System.nanoTime());
            if (closed > 0) {
                LOG.log(System.Logger.Level.DEBUG, () -> "closed " + closed + " idle MCP sessions");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "MCP idle sweep failed", e);
        }
    }

    private void keepAlive() {
        try {
            sessions.keepAlive(keepAliveNanos);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "MCP keep-alive failed", e);
        }
    }

    private void shutdown(Duration drain) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        int closed = sessions.closeAll(drain, SDK_CALL_TIMEOUT);
        LOG.log(System.Logger.Level.DEBUG, () -> "MCP transport closed (" + closed + " sessions)");
    }

    /**
     * Builds a {@link HelidonMcpTransport}. Every limit has a default and can be set;
     * {@link #build()} validates them all and names every bad one.
     */
    public static final class Builder {
        private McpJsonMapper jsonMapper;
        private Set<String> allowedOrigins = Set.of();
        private Predicate<String> originCheck;
        private Duration keepAliveInterval = Duration.ofSeconds(15);
        private Duration sessionIdleTimeout = Duration.ofMinutes(30);
        private Duration shutdownDrainTimeout = Duration.ofSeconds(5);
        private int maxSessions = 1_000;
        private int maxStreamsPerSession = 32;
        private int maxBodyBytes = 1024 * 1024;
        private McpRequestGate gate = McpRequestGate.allowAll();

        private Builder() {
        }

        /** The JSON mapper of the MCP server (required). */
        public Builder jsonMapper(McpJsonMapper jsonMapper) {
            this.jsonMapper = jsonMapper;
            return this;
        }

        /**
         * Browser origins ({@code scheme://host[:port]}) allowed to call; empty (the
         * default) allows only loopback origins. Requests without {@code Origin} always pass.
         */
        public Builder allowedOrigins(Set<String> allowedOrigins) {
            this.allowedOrigins = Set.copyOf(allowedOrigins);
            return this;
        }

        /**
         * Decides which {@code Origin} header values may call, instead of {@link #allowedOrigins}:
         * for a server that applies one allow-list of its own to every endpoint.
         */
        public Builder originCheck(Predicate<String> originCheck) {
            this.originCheck = originCheck;
            return this;
        }

        /** After this much quiet an open stream gets an SSE comment (default 15 s). */
        public Builder keepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
            return this;
        }

        /** A session without streams or requests for this long is closed (default 30 min). */
        public Builder sessionIdleTimeout(Duration sessionIdleTimeout) {
            this.sessionIdleTimeout = sessionIdleTimeout;
            return this;
        }

        /** How long {@code closeGracefully} lets in-flight requests finish (default 5 s). */
        public Builder shutdownDrainTimeout(Duration shutdownDrainTimeout) {
            this.shutdownDrainTimeout = shutdownDrainTimeout;
            return this;
        }

        /** The most live sessions; an initialize beyond it gets 503 (default 1000). */
        public Builder maxSessions(int maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        /** The most open streams per session; one more gets 429 (default 32). */
        public Builder maxStreamsPerSession(int maxStreamsPerSession) {
            this.maxStreamsPerSession = maxStreamsPerSession;
            return this;
        }

        /** The largest POST body; a larger one gets 413 (default 1 MiB). */
        public Builder maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Admits or refuses each request and supplies the handlers' context (default: allow all). */
        public Builder requestAuthenticator(McpRequestGate gate) {
            this.gate = gate;
            return this;
        }

        /** Validates every setting and builds; the exception lists all bad ones. */
        public HelidonMcpTransport build() {
            List<String> problems = new ArrayList<>();
            if (jsonMapper == null) {
                problems.add("jsonMapper is required");
            }
            if (gate == null) {
                problems.add("requestAuthenticator must not be null");
            }
            positive("keepAliveInterval", keepAliveInterval, problems);
            positive("sessionIdleTimeout", sessionIdleTimeout, problems);
            if (shutdownDrainTimeout == null || shutdownDrainTimeout.isNegative()) {
                problems.add("shutdownDrainTimeout must be zero or positive, was " + shutdownDrainTimeout);
            }
            if (maxSessions < 1) {
                problems.add("maxSessions must be at least 1, was " + maxSessions);
            }
            if (maxStreamsPerSession < 1) {
                problems.add("maxStreamsPerSession must be at least 1, was " + maxStreamsPerSession);
            }
            if (maxBodyBytes < 1 || maxBodyBytes == Integer.MAX_VALUE) {
                problems.add("maxBodyBytes must be 1.." + (Integer.MAX_VALUE - 1) + ", was " + maxBodyBytes);
            }
            OriginPolicy origins = originCheck != null ? OriginPolicy.of(originCheck)
                    : OriginPolicy.of(allowedOrigins, problems);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Invalid MCP transport settings: " + String.join("; ", problems));
            }
            return new HelidonMcpTransport(this, origins);
        }

        private static void positive(String name, Duration value, List<String> problems) {
            if (value == null || value.isZero() || value.isNegative()) {
                problems.add(name + " must be positive, was " + value);
            }
        }
    }
}
