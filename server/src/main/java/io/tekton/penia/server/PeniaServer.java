package io.tekton.penia.server;

import io.helidon.common.mapper.MapperManager;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.server.alerts.AlertDispatcher;
import io.tekton.penia.server.cluster.Forwarder;
import io.tekton.penia.server.cluster.LeaderView;
import io.tekton.penia.server.cluster.Leadership;
import java.net.URI;
import io.tekton.penia.engine.store.postgres.PgLeaderLock;
import io.tekton.penia.engine.store.postgres.PgStorage;
import io.tekton.penia.server.cluster.WsRelay;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.server.rest.AdminService;
import io.tekton.penia.server.rest.AlertsService;
import io.tekton.penia.server.rest.AuditService;
import io.tekton.penia.server.rest.BudgetsService;
import io.tekton.penia.server.rest.DirectErrors;
import io.tekton.penia.server.rest.DiscoveryService;
import io.tekton.penia.server.rest.HealthService;
import io.tekton.penia.server.rest.Http;
import io.tekton.penia.server.rest.KeysService;
import io.tekton.penia.server.rest.MiscService;
import io.tekton.penia.server.rest.PricesService;
import io.tekton.penia.server.rest.RequestMetrics;
import io.tekton.penia.server.rest.Routes;
import io.tekton.penia.server.rest.UsageService;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.BrowserPolicy;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.server.security.PeniaSecurity;
import io.tekton.penia.server.ws.WebSocketHub;

import io.modelcontextprotocol.server.McpSyncServer;
import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.hermes.HermesConfig;
import io.tekton.penia.hermes.HermesRegistrar;
import io.tekton.penia.hermes.HermesState;
import io.tekton.penia.hermes.HermesTool;
import io.tekton.penia.server.mcp.HelidonMcpTransport;
import io.tekton.penia.server.rest.ToolsService;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.McpBinding;

import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The composition root: opens the database, the engine and the price book, and serves REST,
 * WebSocket and MCP on one port. Tests start it on port 0 with a temporary database.
 */
public final class PeniaServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeniaServer.class.getName());
    public static final String VERSION = "0.1.0";

    private final PeniaConfig cfg;
    private final Core core;
    private final Storage storage;
    private final BudgetEngine engine;
    private final PriceBook prices;
    private final WebServer web;
    private final Routes routes;
    private final Health health;
    private final AlertDispatcher alertDispatcher;
    private final WebSocketHub ws;
    private final BudgetTools tools;
    private final AssistantContext assistant;
    private final HelidonMcpTransport mcpTransport;
    private final McpSyncServer mcp;
    private HermesRegistrar hermes;
    private final PeniaMetrics metrics;
    private final RequestMetrics requestMetrics;
    private final PeniaSecurity security;
    private final BrowserPolicy browser;
    private final Maintenance maintenance;
    private final LeaderView leader;
    private final Forwarder forwarder;
    private final WsRelay relay;
    /** Over PostgreSQL: the election of the leader of the instances sharing the database; else null. */
    private volatile Leadership leadership;
    /** How long a follower waits for a TCP connection (or WebSocket handshake) to the leader. */
    private static final java.time.Duration LEADER_CONNECT_TIMEOUT = java.time.Duration.ofSeconds(2);
    /** How long a follower waits for the leader's status line and headers (a body may stream longer). */
    private static final java.time.Duration LEADER_ANSWER_TIMEOUT = java.time.Duration.ofSeconds(30);

    /** Helidon's mapper manager is JVM-wide: the first server installs it (see installMappers). */
    private static final AtomicBoolean MAPPERS_INSTALLED = new AtomicBoolean();

    private PeniaServer(PeniaConfig cfg, InstantSource clock, LeaderView leader) {
        // About 200 ms of work: done beside opening the ledger, finished before Helidon is built.
        Thread mappers = MAPPERS_INSTALLED.compareAndSet(false, true)
                ? Thread.ofPlatform().name("penia-mappers").start(PeniaServer::installMappers) : null;
        this.cfg = cfg;
        this.core = Core.open(cfg, clock, "serve");
        this.storage = core.storage();
        if (leader == LeaderView.standalone() && storage instanceof PgStorage) {
            // Over PostgreSQL an instance may be one of several: it serves only once elected (see elect()).
            leader = LeaderView.settable();
        }
        this.engine = core.engine();
        this.prices = core.prices();
        this.health = new Health(VERSION, storage, engine);
        // Before the engine starts, so every alert gets its delivery rows in its own transaction.
        this.alertDispatcher = new AlertDispatcher(engine, storage, cfg.alerts(), cfg.mail(), VERSION);
        engine.setAlertOutbox(alertDispatcher);
        engine.addListener(alertDispatcher);
        health.section("alert_delivery", alertDispatcher::health);
        this.security = PeniaSecurity.create(cfg.security(), engine, storage);
        // The port is read on the first request: with port 0 it is known only once listening.
        this.browser = BrowserPolicy.create(cfg.security(), cfg.server().host(), this::port);
        this.ws = new WebSocketHub(engine, cfg.websocket(), security.wsGate(browser));
        engine.addListener(ws);
        health.websocketClients(ws::clients);
        health.section("websocket", ws::stats);
        this.tools = security.audited(core.tools());
        this.assistant = core.assistant();
        Http http = new Http(cfg.server().maxBodyBytes(), cfg.server().maxPageSize());
        this.mcpTransport = HelidonMcpTransport.builder()
                .jsonMapper(McpWiring.mapper())
                .originCheck(browser::originAllowed)
                .keepAliveInterval(cfg.mcp().keepAlive())
                .sessionIdleTimeout(cfg.mcp().sessionIdle())
                .maxSessions(cfg.mcp().maxSessions())
                .maxBodyBytes(cfg.server().maxBodyBytes())
                .requestAuthenticator(security.mcpGate())
                .build();
        this.mcp = McpWiring.http(mcpTransport, engine, tools, assistant);
        health.section("mcp", () -> Map.of("sessions", mcpTransport.activeSessions()));
        this.metrics = new PeniaMetrics(engine, storage.writer(), ws::clients, mcpTransport::activeSessions);
        engine.addListener(metrics);
        engine.addListener(new EventLog());
        alertDispatcher.onAttempt(metrics::deliveryAttempt);
        // A revoked (or deleted) key keeps nothing open: its WebSockets and MCP sessions end at once.
        security.keys().onRevoked(keyId -> {
            ws.closeKey(keyId);
            mcpTransport.closeSessions(ctx -> ctx.get(McpBinding.CALLER_KEY) instanceof Caller c
                    && keyId.equals(c.keyId()));
        });
        this.maintenance = new Maintenance(cfg, storage, clock);
        // Several instances: the leader serves and runs the background jobs; a follower forwards
        // requests and relays /ws to it, and runs none (one sweeper, one delivery owner, one vacuum).
        this.leader = leader;
        engine.sweepWhen(leader::isLeader);
        alertDispatcher.onlyWhen(leader::isLeader);
        maintenance.onlyWhen(leader::isLeader);
        this.forwarder = new Forwarder(leader, cfg.server().maxBodyBytes(), LEADER_CONNECT_TIMEOUT, LEADER_ANSWER_TIMEOUT);
        this.relay = new WsRelay(leader, browser::hostOrOrigin, cfg.websocket().maxConnections(), LEADER_CONNECT_TIMEOUT);
        health.section("cluster", () -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("role", this.leader.isLeader() ? "leader" : "follower");
            m.put("leader", this.leader.leader().map(java.net.URI::toString).orElse(null));
            m.put("relayed_websockets", relay.clients());
            return m;
        });
        leader.addListener(view -> {
            // Whatever was open was served by the old leader: clients reconnect (1012) and reach the new one.
            relay.closeAll(io.helidon.websocket.WsCloseCodes.SERVICE_RESTART, "the leader changed; reconnect");
            if (!view.isLeader()) {
                ws.closeAll(io.helidon.websocket.WsCloseCodes.SERVICE_RESTART, "this instance no longer leads; reconnect");
                mcpTransport.closeSessions(ctx -> true);
            }
        });
        this.routes = routes(new Parts(engine, storage, prices, http, security, alertDispatcher, maintenance, tools,
                assistant, health, metrics, cfg.hermes()));
        this.requestMetrics = new RequestMetrics(metrics.registry(), routes);
        join(mappers);
        int port = listenPort(cfg.server());
        this.web = WebServer.builder()
                .host(cfg.server().host())
                .port(port)
                .maxPayloadSize(Math.max(64L << 20, 4L * cfg.server().maxBodyBytes()))
                // Requests served at once; more are answered 503 at once (issue 18). WebSocket
                // connections are not counted (websocket.max_connections bounds them).
                .maxConcurrentRequests(cfg.server().maxConcurrentRequests())
                .connectionOptions(connectionOptions())
                // Helidon's traffic log (at TRACE) would print headers, API keys among them.
                // validatePrologue(false): Helidon 4.2's prologue check refuses a raw ':' in a query
                // (?start=2026-11-24T00:00:00Z, as curl sends it) with a 400. The path is still
                // checked (validatePath), and a query is only ever read through its decoded parameters.
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder()
                        .maxHeadersSize(cfg.server().maxHeaderBytes()).receiveLog(false).sendLog(false)
                        .validatePrologue(false).build())
                // Helidon 4.5 checks a WebSocket upgrade's Origin itself: with no origins listed it admits
                // only the same origin, so the configured cross-origin pages are listed here (BrowserPolicy
                // still decides in the upgrade, with the envelope on refusal).
                .addProtocol(io.helidon.webserver.websocket.WsConfig.builder()
                        .origins(browser.webSocketOrigins(port)).build())
                .directHandlers(DirectErrors.create(cfg.server().maxHeaderBytes()))
                .shutdownGracePeriod(cfg.server().shutdownGrace())
                .routing(this::routing)
                // Each new /ws connection is served here while leading, relayed to the leader otherwise.
                .addRouting(io.helidon.webserver.websocket.WsRouting.builder().endpoint(WebSocketHub.PATH,
                        () -> this.leader.isLeader() ? ws.connection() : relay.connection()))
                .build();
    }

    /**
     * Options of every accepted connection. Helidon 4.5 (NIO sockets) writes a response through an
     * 8 KB buffer, one socket write per 8 KB, and leaves Nagle's algorithm on: the last piece of any
     * larger answer then waited for the client's delayed ACK, 40 ms per response on a keep-alive
     * connection (GET /usage/records?limit=100 took 44 ms instead of about 1). TCP_NODELAY sends each
     * write at once; the other options keep Helidon's defaults.
     */
    private static io.helidon.common.socket.SocketOptions connectionOptions() {
        return io.helidon.common.socket.SocketOptions.builder().tcpNoDelay(true).build();
    }

    /**
     * The port to listen on. Port 0 (any free port, as tests use) is resolved here, before the
     * server is built: Helidon 4.5's WebSocket upgrade admits only the origins listed at build time,
     * and Penia's own page origin names the port.
     */
    private static int listenPort(PeniaConfig.Server server) {
        if (server.port() != 0) {
            return server.port();
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName(server.host()))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free port on " + server.host(), e);
        }
    }

    /**
     * Helidon 4.2 converts every request's Content-Length through {@code MapperManager.global()},
     * which looks the manager up in the service registry on each call until one is installed:
     * a tenth of a POST's request CPU in a JFR profile of check and record. (A deprecated API
     * of 4.2; drop this once Helidon caches the look-up itself.)
     */
    @SuppressWarnings("removal")
    private static void installMappers() {
        MapperManager.global(MapperManager.create());
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Opens everything and starts listening; returns when {@code /health} can answer. */
    public static PeniaServer start(PeniaConfig cfg) {
        return start(cfg, InstantSource.system());
    }

    /** As {@link #start(PeniaConfig)} with an injected clock (tests of period boundaries). */
    public static PeniaServer start(PeniaConfig cfg, InstantSource clock) {
        return start(cfg, clock, LeaderView.standalone());
    }

    /**
     * As {@link #start(PeniaConfig, InstantSource)} as one of several instances: {@code leader} says
     * whether this one serves or forwards to the leader (see {@link LeaderView}).
     */
    public static PeniaServer start(PeniaConfig cfg, InstantSource clock, LeaderView leader) {
        PeniaServer s = new PeniaServer(cfg, clock, leader);
        try {
            s.web.start();
            s.core.owner().publish(s.url());
        } catch (RuntimeException e) {
            // The port was taken, or the sidecar not written: the database file is given back.
            try {
                s.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        s.elect();
        s.engine.start();
        s.alertDispatcher.start();
        s.maintenance.start();
        s.health.markRunning();
        s.startHermes();
        String adminKey = cfg.security().adminKey();
        if (adminKey != null && adminKey.length() < 16) {
            LOG.log(System.Logger.Level.WARNING, "PENIA_ADMIN_KEY has " + adminKey.length()
                    + " characters; a key of 16 or more random characters is much harder to guess");
        }
        LOG.log(System.Logger.Level.INFO, "Penia " + VERSION + " listening on http://" + cfg.server().host() + ":"
                + s.port() + " (database " + cfg.database().describe() + ", zone " + cfg.zone()
                + (s.security.open() ? ", OPEN: no PENIA_ADMIN_KEY, every caller is admin" : ", API keys required")
                + ")");
        s.summary();
        return s;
    }

    /**
     * Over PostgreSQL: takes part in the election of the leader (see {@link Leadership}). On
     * winning, the engine reloads from the committed ledger and the writer is fenced with the new
     * epoch; keys and prices are read again.
     */
    private void elect() {
        if (!(leader instanceof LeaderView.Settable view) || !(storage instanceof PgStorage pg)) {
            return;
        }
        URI advertised = advertisedUrl();
        String id = advertised.getAuthority() + "#" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current()
                .nextLong() & 0xFFFFFFFFFFL);
        health.clusterFault(() -> leader.isLeader() || leader.leader().isPresent() ? null
                : "no leader of the instances sharing " + storage.location() + " is known (an election is under way)");
        // A follower's writer refuses writes by design (the fence): that is no fault of the database.
        health.writerFaultsWhen(leader::isLeader);
        leadership = new Leadership(pg.database().url(), id, advertised, view, epoch -> {
            engine.reload(java.time.Duration.ofSeconds(30), () -> pg.setBatchGuard(PgLeaderLock.fence(epoch)));
            // A first commit under the new fence (an empty one): the writer, whose earlier batches the
            // old fence refused (the drain's marker among them), is known to write again.
            storage.writer().submit(io.tekton.penia.engine.store.Write.all(java.util.List.of()))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            security.keys().reload();
            prices.reload();
            engine.seedIfEmpty(cfg.seedBudgets());
        }).start();
        if (!leadership.awaitFirstRound(java.time.Duration.ofSeconds(15))) {
            LOG.log(System.Logger.Level.WARNING, "no leader known yet after 15 s; answering 503 until one is");
        }
    }

    /** {@code server.advertise_url}, else {@code http://<host, or this machine's name for a wildcard>:<port>}. */
    private URI advertisedUrl() {
        if (cfg.server().advertiseUrl() != null) {
            return URI.create(cfg.server().advertiseUrl());
        }
        String host = cfg.server().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "localhost";
            }
        }
        return URI.create("http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + port());
    }

    /** The election, for tests that stop an instance without a handover; null without PostgreSQL. */
    public Leadership leadership() {
        return leadership;
    }

    /** Penia's own start-up summary after the listening line: budgets, Hermes, logging. */
    private void summary() {
        java.util.List<BudgetStatus> all = engine.statuses();
        StringBuilder b = new StringBuilder("Penia ready: ").append(all.size()).append(all.size() == 1 ? " budget" : " budgets")
                .append(", ").append(engine.stats().activeBudgets()).append(" active");
        int shown = 0;
        for (BudgetStatus st : all) {
            if (shown++ == 20) {
                b.append("; and ").append(all.size() - 20).append(" more");
                break;
            }
            b.append("; ").append(st.budget().budgetId()).append(" \"").append(st.budget().name()).append('"');
            for (PeriodStatus p : st.periods()) {
                b.append(' ').append(p.period().wireName()).append(' ').append(EventLog.usd(p.spent())).append(" of ")
                        .append(EventLog.usd(p.limit()));
            }
        }
        PeniaConfig.Hermes h = cfg.hermes();
        b.append("; Hermes ").append(h.enabled() ? "registering with " + h.url() : "off")
                .append("; ").append(PeniaLogging.current().describe());
        LOG.log(System.Logger.Level.INFO, b.toString());
    }

    /** What the REST services serve. */
    public record Parts(BudgetEngine engine, Storage storage, PriceBook prices, Http http, PeniaSecurity security,
                        AlertDispatcher alerts, Maintenance maintenance, BudgetTools tools, AssistantContext assistant,
                        Health health, PeniaMetrics metrics, PeniaConfig.Hermes hermes) {
    }

    /**
     * Every HTTP route but {@code /mcp} and {@code /ws}, each with what it needs, in the order
     * Helidon tries them: the one place a REST route is added.
     */
    public static Routes routes(Parts p) {
        Audit audit = p.security().audit();
        return Routes.builder()
                .service("/api/v1/budgets", new BudgetsService(p.engine(), p.http(), audit))
                .service("/api/v1/usage", new UsageService(p.engine(), p.storage().ledger(), p.http()))
                .service("/api/v1/budget-alerts", new AlertsService(p.engine(), p.http(), audit))
                .service("/api/v1/alerts", MiscService.alerts(p.engine(), p.http(), p.alerts()))
                .service("/api/v1/reservations", MiscService.reservations(p.engine()))
                .service("/api/v1/prices", new PricesService(p.engine(), p.prices(), p.http(), audit))
                .service("/api/v1/keys", new KeysService(p.security().keys(), audit, p.http()))
                .service("/api/v1/audit", new AuditService(audit, p.http()))
                .service("/api/v1/admin", new AdminService(p.maintenance()::backup, p.maintenance()::retention, audit,
                        p.http()))
                .service("/audit", new AuditService(audit, p.http()))
                .service("/api/tools", ToolsService.tools(p.tools(), p.http(), Callers::of))
                .service("/api/v1/assistant", ToolsService.assistant(p.assistant()))
                .service("/api/v1/discovery", DiscoveryService.create(VERSION, p.tools().all(),
                        HermesConfig.DEFAULT_CAPABILITIES, p.hermes().enabled() ? p.hermes().url().toString() : null,
                        discoveryMetadata()))
                .service("/", new HealthService(p.health(), p.metrics()))
                .pages("/", new io.tekton.penia.server.ui.Dashboard())
                .build();
    }

    private void routing(HttpRouting.Builder r) {
        r.addFilter(requestMetrics);
        r.addFilter(browser.filter());
        // After the browser rules (judged where the browser connected), before authentication (the leader's).
        r.addFilter(forwarder);
        r.addFilter(security.filter(routes::need));
        r.any(forwarder.handler());
        r.any(browser.cors());
        routes.register(r);
        r.register("/mcp", mcpTransport)
                .error(PeniaException.class, (req, res, e) -> Http.error(res, e))
                .error(StoreException.class, (req, res, e) -> {
                    String id = UUID.randomUUID().toString();
                    LOG.log(System.Logger.Level.ERROR, "request " + id + ": database failure", e);
                    Http.error(res, new PeniaException(ErrorCode.UNAVAILABLE, "the ledger is unavailable; retry later",
                            Map.of("request_id", id, "retry_after_seconds", 1)));
                })
                .error(Exception.class, (req, res, e) -> {
                    String id = UUID.randomUUID().toString();
                    LOG.log(System.Logger.Level.ERROR, "request " + id + " failed", e);
                    Http.error(res, new PeniaException(ErrorCode.INTERNAL, "internal error",
                            Map.of("request_id", id)));
                })
                .any((req, res) -> {
                    String method = req.prologue().method().text();
                    String path = req.path().path();
                    java.util.Set<String> allowed = routes.allowed(path);
                    if (!allowed.isEmpty()) {
                        res.header(HeaderNames.ALLOW, String.join(", ", allowed));
                        Http.error(res, new PeniaException(ErrorCode.METHOD_NOT_ALLOWED, method + " is not allowed on "
                                + path + "; allowed: " + String.join(", ", allowed), Map.of("allowed", java.util.List.copyOf(allowed))));
                        return;
                    }
                    Http.error(res, new PeniaException(ErrorCode.NOT_FOUND, "no route for " + method + " " + path));
                });
    }

    /** Where Penia's other faces are, for {@code /api/v1/discovery} (the same keys Hermes is given). */
    private static Map<String, Object> discoveryMetadata() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("websocket_endpoint", "/ws");
        m.put("mcp_endpoint", "/mcp");
        m.put("api_base", "/api/v1");
        m.put("openapi", "/openapi.yaml");
        m.put("health_endpoint", "/health");
        m.put("ready_endpoint", "/ready");
        m.put("assistant_context", "/api/v1/assistant/context");
        return m;
    }

    /** Registers with Hermes after the port is known; never delays readiness. */
    private void startHermes() {
        PeniaConfig.Hermes h = cfg.hermes();
        String host = cfg.server().host().equals("0.0.0.0") ? "localhost" : cfg.server().host();
        java.net.URI endpoint = java.net.URI.create("http://" + host + ":" + port());
        if (!h.enabled()) {
            health.hermes(() -> Map.of("enabled", false, "registered", false));
            return;
        }
        HermesConfig hc = HermesConfig.builder()
                .hermesUrl(h.url())
                .enabled(true)
                .version(VERSION)
                .endpoint(endpoint)
                .heartbeatInterval(h.heartbeat())
                .metadata("assistant_context", assistant.hermesMetadata("/api/v1/assistant/context"))
                .metadata("openapi", "/openapi.yaml")
                .metadata("health_endpoint", "/health")
                .build();
        java.util.List<HermesTool> ht = tools.all().stream()
                .map(t -> new HermesTool(t.name(), t.description(), t.inputSchema(), java.util.List.of("budget", "penia"),
                        Map.of("output_schema", t.outputSchema(), "mutates", t.mutates(),
                                "title", t.hints().title(), "annotations", io.tekton.penia.tools.McpBinding.annotations(t))))
                .toList();
        hermes = new HermesRegistrar(hc, ht, () -> Map.of("active_budgets", engine.stats().activeBudgets(),
                "websocket_clients", health.websocketClientCount()));
        health.hermes(() -> {
            HermesState st = hermes.state();
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("enabled", true);
            m.put("registered", st.registered());
            m.put("component_id", st.componentId());
            m.put("tools_registered", st.toolsRegistered());
            m.put("last_heartbeat", st.lastHeartbeat() == null ? null : st.lastHeartbeat().toString());
            m.put("last_error", st.lastError());
            return m;
        });
        hermes.start();
    }

    public int port() {
        return web.port();
    }

    /** The base URL this server answers on (loopback when bound to every address). */
    String url() {
        String host = cfg.server().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isBlank()) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port();
    }

    public BudgetEngine engine() {
        return engine;
    }

    /** The HTTP routes with what each needs (tests list them). */
    public Routes routes() {
        return routes;
    }

    public PriceBook prices() {
        return prices;
    }

    public BudgetTools tools() {
        return tools;
    }

    public AssistantContext assistant() {
        return assistant;
    }

    public Health health() {
        return health;
    }

    public PeniaConfig config() {
        return cfg;
    }

    /** Stops accepting, lets requests finish, commits queued writes, closes the database. */
    @Override
    public void close() {
        health.markStopping();
        if (leadership != null) {
            // First: the lock is given up, another instance takes over while this one stops.
            leadership.close();
        }
        if (hermes != null) {
            hermes.close();
        }
        try {
            mcp.closeGracefully();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "MCP shutdown: " + e.getMessage());
        }
        ws.close();
        relay.close();
        web.stop();
        forwarder.close();
        maintenance.close();
        alertDispatcher.close();
        core.close();
    }
}
