package io.tekton.penia.server;

import io.tekton.penia.engine.EngineFigures;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.store.Storage;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The figures of {@code /health} and {@code /metrics}; other parts plug their own in. */
public final class Health {
    private final String version;
    private final Storage storage;
    private final BudgetEngine engine;
    private final Instant started = Instant.now();
    /** When the engine's schedulers ran and the server took requests; null before and after (stopping). */
    private volatile Instant running;
    private volatile Supplier<Integer> websocketClients = () -> 0;
    private volatile Supplier<Map<String, Object>> hermes = () -> Map.of("registered", false, "enabled", false);
    private final Map<String, Supplier<Object>> extra = new java.util.concurrent.ConcurrentHashMap<>();

    public Health(String version, Storage storage, BudgetEngine engine) {
        this.version = version;
        this.storage = storage;
        this.engine = engine;
    }

    public void websocketClients(Supplier<Integer> s) {
        websocketClients = s;
    }

    public void hermes(Supplier<Map<String, Object>> s) {
        hermes = s;
    }

    /** Adds a named section to /health (alert delivery, MCP sessions, ...). */
    public void section(String name, Supplier<Object> s) {
        extra.put(name, s);
    }

    public int websocketClientCount() {
        return websocketClients.get();
    }

    public BudgetEngine engine() {
        return engine;
    }

    /** Called once the engine runs and requests are served: from now on /ready can say ready. */
    public void markRunning() {
        running = Instant.now();
    }

    /** Called when shutdown begins: /ready says not ready while requests drain. */
    public void markStopping() {
        running = null;
    }

    /**
     * The body of {@code /ready} (Tekton's readiness convention, shared/api/endpoints.py of Tekton):
     * {@code ready} only when the database answers and the engine runs.
     */
    public Map<String, Object> readiness() {
        Instant run = running;
        boolean dbOk = storage.isUsable();
        Instant now = Instant.now();
        Map<String, Object> checks = new LinkedHashMap<>();
        checks.put("database", dbOk);
        checks.put("engine", run != null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ready", dbOk && run != null);
        m.put("component", "penia");
        m.put("version", version);
        m.put("uptime", Duration.between(started, now).toSeconds());
        m.put("initialization_time", run == null ? null
                : java.math.BigDecimal.valueOf(Duration.between(started, run).toMillis(), 3));
        m.put("timestamp", now.toString());
        m.put("checks", checks);
        return m;
    }

    private volatile java.util.function.Supplier<String> clusterFault = () -> null;

    private volatile java.util.function.BooleanSupplier writerFaultsWhen = () -> true;

    /** Several instances: the writer's refusals count only while this one leads (a follower's are the fence's). */
    public void writerFaultsWhen(java.util.function.BooleanSupplier leading) {
        this.writerFaultsWhen = leading;
    }

    /** Several instances: why this one can serve nothing now (no leader known), or null. */
    public void clusterFault(java.util.function.Supplier<String> fault) {
        this.clusterFault = fault;
    }

    /**
     * The body of /health: {@code status} is {@code healthy}, or {@code degraded} with a
     * {@code reason} while the database does not answer or refuses the ledger's writes.
     */
    public Map<String, Object> snapshot() {
        boolean dbOk = storage.isUsable();
        String writerFault = writerFaultsWhen.getAsBoolean() ? storage.writer().failing() : null;
        String clusterFault = this.clusterFault.get();
        EngineFigures st = engine.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", dbOk && writerFault == null && clusterFault == null ? "healthy" : "degraded");
        if (!dbOk) {
            m.put("reason", "the database " + storage.location() + " does not answer");
        } else if (writerFault != null) {
            m.put("reason", "the ledger cannot write to " + storage.location() + " since "
                    + Instant.ofEpochMilli(storage.writer().failingSinceMs()) + ": " + writerFault);
        } else if (clusterFault != null) {
            m.put("reason", clusterFault);
        }
        m.put("database", dbOk ? "connected" : "unavailable");
        m.put("database_backend", storage instanceof io.tekton.penia.engine.store.postgres.PgStorage ? "postgresql" : "sqlite");
        m.put("websocket_clients", websocketClients.get());
        m.put("active_budgets", st.activeBudgets());
        m.put("uptime_seconds", Duration.between(started, Instant.now()).toSeconds());
        m.put("hermes", hermes.get());
        m.put("version", version);
        m.put("ledger", Map.of("writer_commits", st.writerCommits(), "writer_writes", st.writerWrites(),
                "writer_failures", st.writerFailures(), "writer_queued", st.writerQueued()));
        extra.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
