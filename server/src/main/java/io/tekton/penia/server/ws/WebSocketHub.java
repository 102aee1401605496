package io.tekton.penia.server.ws;

import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsCloseCodes;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineListener;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.wire.Views;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The {@code /ws} endpoint and the engine listener that feeds it (SPEC §4).
 *
 * <p>Usage and alert events go at once to the subscribers of their channel; budget changes
 * are coalesced per budget (see {@link Coalescer}) and each flushed status is computed once
 * and fanned out. Engine threads only enqueue; each connection's writer sends. One scheduler
 * thread serves the coalescing, heartbeats and forced closes of every connection.
 *
 * <pre>{@code
 * WebSocketHub hub = new WebSocketHub(engine, cfg.websocket());
 * engine.addListener(hub);
 * WebServer.builder().addRouting(hub.routing())...
 * }</pre>
 */
public final class WebSocketHub implements EngineListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebSocketHub.class.getName());
    /** The path the endpoint is served at. */
    public static final String PATH = "/ws";
    /** How long an evicted client has to complete the close before its socket is closed. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    /** A send taking longer than this counts as blocked in {@link #stats()}: the client is not reading. */
    private static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long {@link #close()} lets writers flush before closing their sockets. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

    private final BudgetEngine engine;
    private final PeniaConfig.WebSocket cfg;
    private final WsGate gate;
    private final Set<WsClient> clients = ConcurrentHashMap.newKeySet();
    private final Map<WsChannel, Set<WsClient>> subscribers = new EnumMap<>(WsChannel.class);
    /** The last known budget of each id, for the readers of events about a deleted one. */
    private final Map<String, Budget> scopes = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final ScheduledExecutorService scheduler;
    private final Coalescer budgetUpdates;
    private volatile boolean closed;

    public WebSocketHub(BudgetEngine engine, PeniaConfig.WebSocket cfg) {
        this(engine, cfg, WsGate.allowAll());
    }

    public WebSocketHub(BudgetEngine engine, PeniaConfig.WebSocket cfg, WsGate gate) {
        this.engine = engine;
        this.cfg = cfg;
        this.gate = gate;
        for (WsChannel c : WsChannel.values()) {
            subscribers.put(c, ConcurrentHashMap.newKeySet());
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("penia-ws-scheduler").factory());
        this.budgetUpdates = new Coalescer(scheduler, cfg.coalesce(), this::flushBudget);
        long sweepMillis = Math.max(10, cfg.heartbeat().toMillis() / 2);
        scheduler.scheduleWithFixedDelay(this::sweepSafely, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** A WebSocket routing with this hub at {@link #PATH}, for {@code WebServer.Builder.addRouting}. */
    public WsRouting.Builder routing() {
        return register(WsRouting.builder());
    }

    /** Adds this hub's endpoint at {@link #PATH} to an existing WebSocket routing. */
    public WsRouting.Builder register(WsRouting.Builder routing) {
        return routing.endpoint(PATH, () -> new WsClient(this, ids.incrementAndGet(), cfg.queueLimit()));
    }

    /** The listener for one new connection served by this hub (a leader's; a follower relays instead). */
    public io.helidon.websocket.WsListener connection() {
        return new WsClient(this, ids.incrementAndGet(), cfg.queueLimit());
    }

    /** Connections currently open (for {@code /health} and {@code /metrics}). */
    public int clients() {
        return open.get();
    }

    /** Figures for {@code /health}: open connections, the cap, and how many were refused or cut off. */
    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients", open.get());
        m.put("max_connections", cfg.maxConnections());
        m.put("queue_limit", cfg.queueLimit());
        long now = System.nanoTime();
        m.put("blocked_writers", clients.stream().filter(c -> c.sendBlockedNanos(now) > BLOCKED_NANOS).count());
        m.put("max_queue_depth", clients.stream().mapToInt(WsClient::queued).max().orElse(0));
        m.put("refused_total", refused.get());
        m.put("evicted_total", evicted.get());
        return m;
    }

    // ---- engine events (engine threads: enqueue only) ---------------------------------

    @Override
    public void onUsage(UsageRecord record) {
        String component = record.component();
        publish(WsChannel.USAGE, () -> Frame.event("usage", () -> Views.record(record)), c -> Access.reads(c, component));
    }

    @Override
    public void onAlert(Alert alert) {
        publish(WsChannel.ALERTS, () -> Frame.event("alert", () -> Views.alert(alert)), readers(alert.budgetId()));
    }

    @Override
    public void onBudgetChanged(String budgetId) {
        if (!closed && !subscribers.get(WsChannel.BUDGET_UPDATES).isEmpty()) {
            budgetUpdates.mark(budgetId);
        }
    }

    private void publish(WsChannel channel, Supplier<Frame> frame, Predicate<Caller> mayRead) {
        Set<WsClient> subs = subscribers.get(channel);
        if (closed || subs.isEmpty()) {
            return;
        }
        Frame f = frame.get();
        for (WsClient c : subs) {
            if (mayRead.test(c.caller())) {
                c.offer(f);
            }
        }
    }

    /**
     * Who may read events of a budget: admin and viewer keys always; a component key for a
     * global budget or one of its own component (the REST rule, {@link Access#sees}). The
     * scope is remembered, so the deletion of a budget reaches the same readers.
     */
    private Predicate<Caller> readers(String budgetId) {
        if (budgetId == null) {
            return Access::readsAll;
        }
        Optional<Budget> current = engine.budget(budgetId);
        current.ifPresent(b -> scopes.put(budgetId, b));
        Budget known = current.orElseGet(() -> scopes.get(budgetId));
        return known == null ? Access::readsAll : c -> Access.sees(c, known);
    }

    /** On the scheduler thread: one status read per dirty budget, one frame for all. */
    private void flushBudget(String budgetId) {
        Set<WsClient> subs = subscribers.get(WsChannel.BUDGET_UPDATES);
        if (subs.isEmpty()) {
            return;
        }
        Map<String, Object> data;
        try {
            data = Views.status(engine.status(budgetId));
        } catch (PeniaException e) {
            if (e.code() != ErrorCode.NOT_FOUND) {
                throw e;
            }
            data = new LinkedHashMap<>();
            data.put("budget_id", budgetId);
            data.put("deleted", true);
        }
        Map<String, Object> d = data;
        Frame f = Frame.event("budget_update", () -> d);
        f.text();
        Predicate<Caller> mayRead = readers(budgetId);
        for (WsClient c : subs) {
            if (mayRead.test(c.caller())) {
                c.offer(f);
            }
        }
    }

    // ---- connections ------------------------------------------------------------------

    WsGate gate() {
        return gate;
    }

    /** Admits a new connection under the cap; returns null, or why it is refused. */
    String admit(WsClient c) {
        if (closed) {
            return "server shutting down";
        }
        int n;
        do {
            n = open.get();
            if (n >= cfg.maxConnections()) {
                refused.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "WebSocket connection refused: " + n + " open, max_connections="
                        + cfg.maxConnections());
                return "too many connections: " + n + " open (websocket.max_connections=" + cfg.maxConnections() + ")";
            }
        } while (!open.compareAndSet(n, n + 1));
        clients.add(c);
        return null;
    }

    /**
     * Closes every connection opened with this API key (its key was revoked) with 1008, policy
     * violation: frames still queued are dropped. Returns how many were closed.
     */
    public int closeKey(String keyId) {
        int closed = 0;
        for (WsClient c : clients) {
            if (keyId.equals(c.caller().keyId())) {
                c.evict(WsCloseCodes.VIOLATED_POLICY, "API key revoked");
                closed++;
            }
        }
        return closed;
    }

    /**
     * Closes every connection with this code (1012 when this instance stops leading: its clients
     * reconnect and are relayed to the new leader). Returns how many were closed.
     */
    public int closeAll(int code, String reason) {
        int closed = 0;
        for (WsClient c : clients) {
            c.evict(code, reason);
            closed++;
        }
        return closed;
    }

    void evicted() {
        evicted.incrementAndGet();
    }

    Set<WsClient> subscribers(WsChannel channel) {
        return subscribers.get(channel);
    }

    /** Forgets a connection (idempotent). */
    void remove(WsClient c) {
        for (Set<WsClient> subs : subscribers.values()) {
            subs.remove(c);
        }
        if (clients.remove(c)) {
            open.decrementAndGet();
        }
    }

    void afterGrace(Runnable action) {
        try {
            scheduler.schedule(action, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            action.run();
        }
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "WebSocket heartbeat sweep failed", e);
        }
    }

    /** Heartbeats to idle connections; disconnects a client whose send has been blocked too long. */
    private void sweep() {
        long now = System.nanoTime();
        long heartbeatNanos = cfg.heartbeat().toNanos();
        for (WsClient c : clients) {
            long blocked = c.sendBlockedNanos(now);
            if (blocked > heartbeatNanos) {
                c.evict(WsCloseCodes.VIOLATED_POLICY, "too slow: a send has been blocked for "
                        + TimeUnit.NANOSECONDS.toMillis(blocked) + " ms");
            } else if (c.idleFor(heartbeatNanos, now)) {
                c.offer(Frame.heartbeat(Instant.now()));
                // A protocol ping too: its pong proves the peer alive and keeps the server's idle
                // connection check from closing a client that only listens.
                c.offer(Frame.ping(new byte[0]));
            }
        }
    }

    /** Closes every connection gracefully (1001), then stops the scheduler. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<WsClient> all = new ArrayList<>(clients);
        for (WsClient c : all) {
            c.shutdown(WsCloseCodes.GOING_AWAY, "server shutting down");
        }
        long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        for (WsClient c : all) {
            c.awaitWriter(Math.max(0, deadline - System.nanoTime()));
            c.forceClose();
        }
        scheduler.shutdownNow();
        clients.clear();
        subscribers.values().forEach(Set::clear);
        open.set(0);
    }
}
