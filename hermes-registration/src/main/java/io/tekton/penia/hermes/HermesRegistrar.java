package io.tekton.penia.hermes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tekton.penia.hermes.HermesClient.Reply;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Keeps Penia registered with Hermes for as long as it runs.
 *
 * <p>{@link #start()} returns at once; all work runs on one daemon thread. The loop registers
 * the component, then each tool, then heartbeats every {@code heartbeatInterval} with the token
 * Hermes issued. While Hermes is unreachable it retries with exponential backoff and jitter.
 * When Hermes refuses a heartbeat (its token expired — Hermes' tokens live one hour — or it
 * restarted and forgot Penia) it registers again at once, re-using the component id and
 * re-registering every tool under the same stable tool id, so nothing is duplicated. After an
 * outage it also registers again rather than heartbeating, because Hermes keeps its registry in
 * memory and a restarted Hermes would accept the (signed) old token while no longer listing Penia.
 *
 * <p>{@link #close()} unregisters the component and deletes the tools, all within
 * {@code shutdownTimeout}. Logs go to {@link System.Logger}, never stdout (stdio is MCP's).
 */
public final class HermesRegistrar implements AutoCloseable {

    private static final Logger LOG = System.getLogger(HermesRegistrar.class.getName());
    private static final int MAX_TOOLS = 256;

    private final HermesConfig config;
    private final List<HermesTool> tools;
    private final Supplier<Map<String, Object>> status;
    private final HermesClient client;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ScheduledExecutorService scheduler;

    // Written only by the scheduler thread (and by close() after the scheduler stopped); read by state().
    private volatile Session session;
    private volatile String componentId;
    private volatile Instant lastHeartbeat;
    private volatile String lastError;
    private final Map<String, String> toolIds = new ConcurrentHashMap<>();
    // Scheduler thread only.
    private int consecutiveFailures;
    private final Set<String> toolsWarned = new HashSet<>();

    private record Session(String componentId, String token) {
        @Override
        public String toString() {
            return "Session[" + componentId + "]"; // the token is a credential: keep it out of logs
        }
    }

    /**
     * @param config what to register and how hard to try
     * @param tools  the MCP tools to advertise in Hermes' tool registry (names must be unique)
     * @param status live figures for the heartbeat's {@code status}; {@code health:"healthy"} is
     *               added unless the supplier provides {@code health} itself; entries whose
     *               values are not JSON values are left out, and a supplier that throws costs
     *               only the figures, never the heartbeat. Called on the registrar thread before
     *               each heartbeat; must be quick and must not block.
     */
    public HermesRegistrar(HermesConfig config, List<HermesTool> tools, Supplier<Map<String, Object>> status) {
        this.config = Objects.requireNonNull(config, "config");
        this.tools = List.copyOf(Objects.requireNonNull(tools, "tools"));
        this.status = Objects.requireNonNull(status, "status");
        if (this.tools.size() > MAX_TOOLS) {
            throw new IllegalArgumentException("too many Hermes tools: " + this.tools.size() + ", limit " + MAX_TOOLS);
        }
        Set<String> names = new HashSet<>();
        for (HermesTool tool : this.tools) {
            if (!names.add(tool.name())) {
                throw new IllegalArgumentException("duplicate Hermes tool name '" + tool.name() + "'");
            }
        }
        // A disabled registrar opens nothing, not even the HTTP client's selector thread.
        this.client = config.enabled() ? new HermesClient(config, new ObjectMapper()) : null;
    }

    /** Same as the constructor. */
    public static HermesRegistrar create(HermesConfig config, List<HermesTool> tools,
                                         Supplier<Map<String, Object>> status) {
        return new HermesRegistrar(config, tools, status);
    }

    /** Starts the background loop and returns at once. Does nothing when disabled or already started. */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("HermesRegistrar is closed");
        }
        if (!config.enabled()) {
            LOG.log(Level.INFO, "Hermes registration disabled");
            return;
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("penia-hermes").factory());
        executor.setRemoveOnCancelPolicy(true);
        scheduler = executor;
        LOG.log(Level.INFO, "Registering with Hermes at {0} as {1} ({2} tools)",
                config.hermesUrl(), config.componentName(), tools.size());
        schedule(Duration.ZERO);
    }

    /** The registration as it stands; cheap, for {@code /health}. */
    public HermesState state() {
        if (!config.enabled()) {
            return HermesState.NOT_REGISTERED;
        }
        return new HermesState(session != null, componentId, lastHeartbeat, lastError, toolIds.size());
    }

    /**
     * Stops the loop, unregisters the component and deletes its tools, concurrently and within
     * {@code shutdownTimeout}; whatever has not answered by then is abandoned (logged).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + config.shutdownTimeout().toNanos();
        try {
            ScheduledExecutorService executor = scheduler;
            if (executor != null) {
                // Interrupts an in-flight request; the loop returns promptly and schedules nothing more.
                executor.shutdownNow();
                awaitTermination(executor, (deadlineNanos - System.nanoTime()) / 2);
            }
            if (client != null) {
                unregisterEverything(deadlineNanos, startNanos);
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    // ---- the loop (scheduler thread) ----

    private void schedule(Duration delay) {
        ScheduledExecutorService executor = scheduler;
        if (closed.get() || executor == null || executor.isShutdown()) {
            return;
        }
        try {
            executor.schedule(this::tick, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // close() won the race; nothing to do.
        }
    }

    private void tick() {
        if (closed.get()) {
            return;
        }
        Duration next;
        try {
            next = session == null ? register() : heartbeat();
        } catch (RuntimeException e) {
            // Never let the loop die: a bug here must not cost Penia its registration forever.
            LOG.log(Level.ERROR, "Unexpected failure in the Hermes loop", e);
            next = failed("unexpected " + e);
        }
        schedule(next);
    }

    private Duration register() {
        // An Ok that races close() is still recorded, so that close() can unregister it.
        return switch (client.register(registrationPayload())) {
            case Reply.Ok ok -> registered(ok.body());
            case Reply.Refused refused -> failed("Hermes refused registration: HTTP " + refused.status()
                    + " " + refused.detail());
            case Reply.Unreachable unreachable -> failed("Hermes unreachable at " + config.hermesUrl()
                    + ": " + unreachable.reason());
        };
    }

    private Duration registered(JsonNode body) {
        String id = Json.text(body, "component_id", "componentId");
        if (id == null) {
            id = componentId; // Hermes echoes the id we sent; fall back to it if a build omits it
        }
        String token = Json.text(body, "token");
        if (id == null || token == null) {
            return failed("Hermes registration answer lacks " + (id == null ? "component_id" : "token"));
        }
        boolean again = componentId != null;
        componentId = id;
        session = new Session(id, token);
        consecutiveFailures = 0;
        lastError = null;
        LOG.log(Level.INFO, "{0} with Hermes as {1}", again ? "Registered again" : "Registered", id);
        // A new registration may follow a Hermes restart that dropped the tool registry too.
        toolIds.clear();
        registerPendingTools();
        return config.heartbeatInterval();
    }

    private Duration heartbeat() {
        Session current = session;
        return switch (client.heartbeat(current.componentId(), current.token(), heartbeatStatus())) {
            case Reply.Ok ok -> {
                lastHeartbeat = Instant.now();
                consecutiveFailures = 0;
                if (registerPendingTools()) {
                    lastError = null;
                }
                yield config.heartbeatInterval();
            }
            case Reply.Refused refused -> {
                // Hermes no longer knows this token: register again now, not after a backoff.
                LOG.log(Level.INFO, "Hermes refused the heartbeat of {0} (HTTP {1}: {2}); registering again",
                        current.componentId(), refused.status(), refused.detail());
                session = null;
                lastError = "heartbeat refused: HTTP " + refused.status() + " " + refused.detail();
                yield closed.get() ? Duration.ZERO : register();
            }
            case Reply.Unreachable unreachable -> {
                session = null;
                yield failed("Hermes unreachable at " + config.hermesUrl() + ": " + unreachable.reason());
            }
        };
    }

    /** Registers the tools Hermes does not hold yet; true if none is left pending. */
    private boolean registerPendingTools() {
        boolean allDone = true;
        for (HermesTool tool : tools) {
            if (closed.get()) {
                return false;
            }
            if (toolIds.containsKey(tool.name())) {
                continue;
            }
            switch (client.registerTool(toolPayload(tool))) {
                case Reply.Ok ok -> {
                    String id = Json.text(ok.body(), "tool_id", "toolId", "id");
                    toolIds.put(tool.name(), id != null ? id : stableToolId(tool));
                    toolsWarned.remove(tool.name());
                }
                case Reply.Refused refused -> {
                    allDone = false;
                    lastError = "Hermes refused tool " + tool.name() + ": HTTP " + refused.status()
                            + " " + refused.detail();
                    // Retried on every heartbeat; warn once, not every 30 s.
                    LOG.log(toolsWarned.add(tool.name()) ? Level.WARNING : Level.DEBUG, lastError);
                }
                case Reply.Unreachable unreachable -> {
                    // Hermes went away mid-way; the next heartbeat finds out and the rest waits.
                    lastError = "Hermes unreachable registering tool " + tool.name() + ": " + unreachable.reason();
                    return false;
                }
            }
        }
        return allDone;
    }

    private Duration failed(String reason) {
        if (closed.get()) {
            return Duration.ZERO; // interrupted by close(): not news
        }
        consecutiveFailures++;
        lastError = reason;
        Duration delay = backoff(consecutiveFailures);
        // The first failure is news; the next hundred while Hermes is down are not.
        LOG.log(consecutiveFailures == 1 ? Level.WARNING : Level.DEBUG,
                "{0} (attempt {1}, retrying in {2}ms)", reason, consecutiveFailures, delay.toMillis());
        return delay;
    }

    /** Exponential from initialBackoff, capped at maxBackoff, with "equal jitter" (half fixed, half random). */
    Duration backoff(int attempt) {
        long initialMillis = config.initialBackoff().toMillis();
        long maxMillis = config.maxBackoff().toMillis();
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        // initialBackoff <= 1 h < 2^22 ms, so the shift cannot overflow.
        long capMillis = Math.min(maxMillis, initialMillis << shift);
        long half = Math.max(capMillis / 2, 1);
        return Duration.ofMillis(capMillis - half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    // ---- payloads ----

    /** ComponentRegistrationRequest: component_id (after the first registration), name, version, type, endpoint, capabilities, metadata. */
    Map<String, Object> registrationPayload() {
        Map<String, Object> body = new LinkedHashMap<>();
        if (componentId != null) {
            // Re-registering under the same id updates Hermes' entry instead of adding a second Penia.
            body.put("component_id", componentId);
        }
        body.put("name", config.componentName());
        body.put("version", config.version());
        body.put("type", config.type());
        body.put("endpoint", config.endpoint().toString());
        body.put("capabilities", config.capabilities());
        body.put("metadata", config.metadata());
        return body;
    }

    /** ToolSpec: id, name, description, schema, tags, version, endpoint, metadata. */
    Map<String, Object> toolPayload(HermesTool tool) {
        Map<String, Object> metadata = new LinkedHashMap<>(tool.metadata());
        metadata.putIfAbsent("component", config.componentName());
        metadata.putIfAbsent("mcp_tool_name", tool.name());
        Map<String, Object> body = new LinkedHashMap<>();
        // A stable id makes re-registration replace the entry rather than add a duplicate.
        body.put("id", stableToolId(tool));
        body.put("name", config.hermesToolName(tool.name()));
        body.put("description", tool.description());
        body.put("schema", tool.schema());
        body.put("tags", tool.tags());
        body.put("version", config.version());
        body.put("endpoint", config.toolEndpoint(tool.name()).toString());
        body.put("metadata", metadata);
        return body;
    }

    private String stableToolId(HermesTool tool) {
        return config.hermesToolName(tool.name());
    }

    private Map<String, Object> heartbeatStatus() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("health", "healthy");
        try {
            Map<String, Object> live = status.get();
            if (live != null) {
                live.forEach((k, v) -> {
                    if (k != null && Json.isJsonable(v)) {
                        figures.put(k, v);
                    }
                });
            }
        } catch (RuntimeException e) {
            // The heartbeat matters more than the figures in it.
            LOG.log(Level.DEBUG, "Heartbeat status supplier failed", e);
        }
        return figures;
    }

    // ---- shutdown ----

    private void unregisterEverything(long deadlineNanos, long startNanos) {
        Session current = session;
        Map<String, String> registeredTools = new LinkedHashMap<>(toolIds);
        session = null;
        toolIds.clear();
        if (current == null && registeredTools.isEmpty()) {
            return;
        }
        Duration remaining = Duration.ofNanos(Math.max(deadlineNanos - System.nanoTime(), 1_000_000));
        Duration perCall = remaining.compareTo(config.requestTimeout()) < 0 ? remaining : config.requestTimeout();
        List<CompletableFuture<Reply>> calls = new ArrayList<>();
        registeredTools.values().forEach(id -> calls.add(client.deleteTool(id, perCall)));
        if (current != null) {
            calls.add(client.unregister(current.componentId(), current.token(), perCall));
        }
        try {
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                    .get(Math.max(deadlineNanos - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Reported per call below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int done = 0;
        List<String> problems = new ArrayList<>();
        for (CompletableFuture<Reply> call : calls) {
            Reply reply = call.getNow(null);
            if (reply == null) {
                call.cancel(true);
                problems.add("no answer within the " + config.shutdownTimeout().toMillis() + "ms shutdown budget");
            } else if (reply instanceof Reply.Ok) {
                done++;
            } else {
                problems.add(String.valueOf(reply));
            }
        }
        long tookMillis = (System.nanoTime() - startNanos) / 1_000_000;
        if (problems.isEmpty()) {
            LOG.log(Level.INFO, "Unregistered {0} from Hermes and deleted {1} tools in {2}ms",
                    current == null ? "(no component)" : current.componentId(), registeredTools.size(), tookMillis);
        } else {
            LOG.log(Level.WARNING, "Hermes cleanup incomplete after {0}ms ({1}/{2} calls succeeded): {3}",
                    tookMillis, done, calls.size(), problems);
        }
    }

    private static void awaitTermination(ScheduledExecutorService executor, long nanos) {
        try {
            executor.awaitTermination(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
