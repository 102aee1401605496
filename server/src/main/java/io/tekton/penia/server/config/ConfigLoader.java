package io.tekton.penia.server.config;

import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.ZoneGrid;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.forecast.AnomalyConfig;
import io.tekton.penia.engine.forecast.ForecastConfig;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code config/penia.yaml}, applies the environment overrides of SPEC §1 and checks
 * every key. Nothing is repaired silently: all problems are collected and reported at once.
 */
public final class ConfigLoader {
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> fromEnv = new java.util.HashMap<>();

    private ConfigLoader() {
    }

    /** Loads the file (when it exists) and applies {@code env}; throws with every problem found. */
    public static PeniaConfig load(Path yamlFile, Map<String, String> env) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (yamlFile != null && Files.exists(yamlFile)) {
            try (Reader r = Files.newBufferedReader(yamlFile)) {
                Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
                if (o instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> root.put(String.valueOf(k), v));
                } else if (o != null) {
                    throw new ConfigException(List.of(yamlFile + ": the top level must be a mapping"));
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof ConfigException ce) {
                    throw ce;
                }
                throw new ConfigException(List.of(yamlFile + ": cannot be read: " + e.getMessage()));
            }
        }
        return new ConfigLoader().build(root, env);
    }

    private PeniaConfig build(Map<String, Object> root, Map<String, String> env) {
        known("", root, Set.of("server", "database", "time", "engine", "alerts", "hermes", "websocket", "mcp",
                "security", "mail", "seed_budgets", "maintenance"));
        Map<String, Object> server = section(root, "server", Set.of("host", "port", "max_body_bytes",
                "max_header_bytes", "max_page_size", "shutdown_grace_seconds", "max_concurrent_requests", "advertise_url"));
        Map<String, Object> db = section(root, "database", Set.of("path", "pool_size"));
        Map<String, Object> time = section(root, "time", Set.of("zone"));
        Map<String, Object> engine = section(root, "engine", Set.of("reservation_ttl_seconds",
                "max_reservation_ttl_seconds", "evaluation_interval_seconds", "writer_queue_capacity", "writer_max_batch",
                "max_backdate_days", "forecast_alert_step_percent", "anomaly_alerts", "spike_factor",
                "spike_min_spend_usd", "spike_warmup_minutes", "first_spend_notice_after_hours"));
        Map<String, Object> alerts = section(root, "alerts", Set.of("thresholds", "warning_percent", "stop_percent",
                "cooldown_seconds", "channels", "max_delivery_attempts", "retry_backoff_ms", "destination_concurrency",
                "destination_queue_limit", "delivery_timeout_ms"));
        Map<String, Object> hermes = section(root, "hermes", Set.of("enabled", "url", "heartbeat_seconds"));
        Map<String, Object> ws = section(root, "websocket", Set.of("max_connections", "queue_limit",
                "heartbeat_seconds", "coalesce_ms"));
        Map<String, Object> mcp = section(root, "mcp", Set.of("allowed_origins", "session_idle_seconds",
                "max_sessions", "keep_alive_seconds"));
        Map<String, Object> sec = section(root, "security", Set.of("admin_key", "requests_per_second", "burst",
                "cors_origins", "allowed_hosts"));
        Map<String, Object> mail = section(root, "mail", Set.of("host", "port", "username", "from", "starttls"));
        Map<String, Object> maint = section(root, "maintenance", Set.of("backup_dir", "archive_dir", "retention_months",
                "interval_hours"));
        override(maint, "maintenance.backup_dir", env, "PENIA_BACKUP_DIR");
        override(maint, "maintenance.archive_dir", env, "PENIA_ARCHIVE_DIR");
        override(maint, "maintenance.retention_months", env, "PENIA_RETENTION_MONTHS");

        override(server, "server.host", env, "PENIA_HOST");
        // Tekton names this component's port BUDGET_PORT (and PENIA_PORT): PENIA_PORT, applied after it, wins.
        override(server, "server.port", env, "BUDGET_PORT");
        override(server, "server.port", env, "PENIA_PORT");
        override(server, "server.max_concurrent_requests", env, "PENIA_MAX_CONCURRENT_REQUESTS");
        override(server, "server.advertise_url", env, "PENIA_ADVERTISE_URL");
        override(db, "database.path", env, "PENIA_DB");
        override(time, "time.zone", env, "PENIA_TIMEZONE");
        tektonHermes(hermes, env);
        override(hermes, "hermes.url", env, "HERMES_URL");
        override(sec, "security.admin_key", env, "PENIA_ADMIN_KEY");
        override(sec, "security.requests_per_second", env, "PENIA_RATE_LIMIT_RPS");
        override(sec, "security.burst", env, "PENIA_RATE_LIMIT_BURST");
        override(sec, "security.cors_origins", env, "PENIA_CORS_ORIGINS");
        override(sec, "security.allowed_hosts", env, "PENIA_ALLOWED_HOSTS");
        override(mail, "mail.host", env, "PENIA_SMTP_HOST");
        override(mail, "mail.port", env, "PENIA_SMTP_PORT");
        override(alerts, "alerts.retry_backoff_ms", env, "PENIA_ALERT_RETRY_BACKOFF_MS");
        override(alerts, "alerts.destination_concurrency", env, "PENIA_ALERT_DESTINATION_CONCURRENCY");
        override(alerts, "alerts.destination_queue_limit", env, "PENIA_ALERT_DESTINATION_QUEUE_LIMIT");
        override(alerts, "alerts.delivery_timeout_ms", env, "PENIA_ALERT_DELIVERY_TIMEOUT_MS");
        override(ws, "websocket.max_connections", env, "PENIA_WS_MAX_CONNECTIONS");
        override(ws, "websocket.queue_limit", env, "PENIA_WS_QUEUE_LIMIT");
        override(ws, "websocket.heartbeat_seconds", env, "PENIA_WS_HEARTBEAT_SECONDS");
        override(ws, "websocket.coalesce_ms", env, "PENIA_WS_COALESCE_MS");
        override(engine, "engine.max_backdate_days", env, "PENIA_MAX_BACKDATE_DAYS");
        override(engine, "engine.forecast_alert_step_percent", env, "PENIA_FORECAST_ALERT_STEP_PERCENT");
        override(engine, "engine.spike_factor", env, "PENIA_SPIKE_FACTOR");
        override(engine, "engine.spike_min_spend_usd", env, "PENIA_SPIKE_MIN_SPEND_USD");
        override(engine, "engine.spike_warmup_minutes", env, "PENIA_SPIKE_WARMUP_MINUTES");
        override(engine, "engine.first_spend_notice_after_hours", env, "PENIA_FIRST_SPEND_NOTICE_AFTER_HOURS");
        onOff(engine, "anomaly_alerts", env, "PENIA_ANOMALY_ALERTS");
        onOff(hermes, "enabled", env, "PENIA_HERMES");

        String host = str(server, "server.host", "127.0.0.1");
        int port = integer(server, "server.port", 8113, 0, 65535);
        PeniaConfig.Server srv = new PeniaConfig.Server(host, port,
                integer(server, "server.max_body_bytes", 1 << 20, 1024, 64 << 20),
                integer(server, "server.max_header_bytes", 16 * 1024, 1024, 1 << 20),
                integer(server, "server.max_page_size", 1000, 1, 100_000),
                Duration.ofSeconds(integer(server, "server.shutdown_grace_seconds", 5, 0, 600)),
                integer(server, "server.max_concurrent_requests", 1024, 1, 1_000_000),
                advertiseUrl(str(server, "server.advertise_url", null)));
        PeniaConfig.Database database = database(db, env);
        ZoneId zone = ZoneId.of("UTC");
        String z = str(time, "time.zone", "UTC");
        try {
            zone = ZoneId.of(z);
        } catch (RuntimeException e) {
            problems.add("time.zone (PENIA_TIMEZONE): unknown time zone '" + z + "'");
        }
        ZoneGrid.problem(zone).ifPresent(why ->
                problems.add("time.zone (PENIA_TIMEZONE): '" + z + "' cannot be used: " + why));
        PeniaConfig.Engine eng = new PeniaConfig.Engine(
                Duration.ofSeconds(integer(engine, "engine.reservation_ttl_seconds", 600, 1, 86_400)),
                Duration.ofSeconds(integer(engine, "engine.max_reservation_ttl_seconds", 86_400, 1, 7 * 86_400)),
                Duration.ofSeconds(integer(engine, "engine.evaluation_interval_seconds", 60, 1, 86_400)),
                integer(engine, "engine.writer_queue_capacity", 65_536, 16, 10_000_000),
                integer(engine, "engine.writer_max_batch", 2_048, 1, 100_000),
                Duration.ofDays(integer(engine, "engine.max_backdate_days", 400, 1, 36_500)),
                new ForecastConfig(integer(engine, "engine.forecast_alert_step_percent", 10, 1, 1000)),
                anomalyConfig(engine));
        List<Integer> thresholds = ints(alerts, "alerts.thresholds", List.of(70, 80, 90, 100));
        int warning = integer(alerts, "alerts.warning_percent", 80, 1, 1000);
        int stop = integer(alerts, "alerts.stop_percent", 95, 1, 1000);
        if (warning > stop) {
            problems.add("alerts.warning_percent: " + warning + " exceeds alerts.stop_percent " + stop);
        }
        PeniaConfig.Alerts al = new PeniaConfig.Alerts(thresholds, warning, stop,
                Duration.ofSeconds(integer(alerts, "alerts.cooldown_seconds", 3600, 0, 31 * 86_400)),
                channels(alerts.get("channels"), "alerts.channels", env),
                integer(alerts, "alerts.max_delivery_attempts", 5, 1, 100),
                Duration.ofMillis(integer(alerts, "alerts.retry_backoff_ms", 1000, 1, 3_600_000)),
                integer(alerts, "alerts.destination_concurrency", 4, 1, 64),
                integer(alerts, "alerts.destination_queue_limit", 256, 1, 100_000),
                Duration.ofMillis(integer(alerts, "alerts.delivery_timeout_ms", 5000, 100, 120_000)));
        URI hermesUrl = URI.create("http://localhost:8101");
        String hu = str(hermes, "hermes.url", "http://localhost:8101");
        try {
            hermesUrl = URI.create(hu);
            if (hermesUrl.getScheme() == null || !hermesUrl.getScheme().startsWith("http") || hermesUrl.getHost() == null) {
                problems.add(label("hermes.url") + ": must be an http(s) URL, got '" + hu + "'");
            }
        } catch (IllegalArgumentException e) {
            problems.add(label("hermes.url") + ": not a URL: '" + hu + "'");
        }
        PeniaConfig.Hermes h = new PeniaConfig.Hermes(bool(hermes, "hermes.enabled", true), hermesUrl,
                Duration.ofSeconds(integer(hermes, "hermes.heartbeat_seconds", 30, 1, 3600)));
        PeniaConfig.WebSocket w = new PeniaConfig.WebSocket(integer(ws, "websocket.max_connections", 1000, 1, 100_000),
                integer(ws, "websocket.queue_limit", 1000, 10, 1_000_000),
                Duration.ofSeconds(integer(ws, "websocket.heartbeat_seconds", 30, 1, 3600)),
                Duration.ofMillis(integer(ws, "websocket.coalesce_ms", 250, 10, 60_000)));
        if (mcp.containsKey("allowed_origins")) {
            problems.add("mcp.allowed_origins: replaced by security.cors_origins (PENIA_CORS_ORIGINS), one list for"
                    + " REST, /ws and /mcp");
        }
        PeniaConfig.Mcp m = new PeniaConfig.Mcp(
                Duration.ofSeconds(integer(mcp, "mcp.session_idle_seconds", 1800, 1, 86_400)),
                integer(mcp, "mcp.max_sessions", 1000, 1, 100_000),
                Duration.ofSeconds(integer(mcp, "mcp.keep_alive_seconds", 30, 1, 3600)));
        String adminKey = str(sec, "security.admin_key", null);
        if (adminKey != null && adminKey.isBlank()) {
            problems.add("security.admin_key (PENIA_ADMIN_KEY): must not be empty (leave it unset to run open on loopback)");
        }
        PeniaConfig.Security s = new PeniaConfig.Security(adminKey,
                number(sec, "security.requests_per_second", 1000), integer(sec, "security.burst", 2000, 1, 10_000_000),
                origins(sec, "security.cors_origins"), hosts(sec, "security.allowed_hosts"));
        PeniaConfig.Mail ml = new PeniaConfig.Mail(str(mail, "mail.host", null), integer(mail, "mail.port", 25, 1, 65535),
                str(mail, "mail.username", null), env.get("PENIA_SMTP_PASSWORD"), str(mail, "mail.from", "penia@localhost"),
                bool(mail, "mail.starttls", false));
        if (adminKey == null && !isLoopback(host)) {
            problems.add("server.host (PENIA_HOST): '" + host + "' is not a loopback address, and without PENIA_ADMIN_KEY"
                    + " Penia runs open (no authentication); set PENIA_ADMIN_KEY or bind to 127.0.0.1");
        }
        List<BudgetSpec> seed = seeds(root.get("seed_budgets"));
        PeniaConfig.Maintenance mt = maintenance(maint, database.home());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new PeniaConfig(srv, database, zone, eng, al, h, w, m, s, ml, seed, mt);
    }

    // ---- helpers ------------------------------------------------------------------------

    /** The browser origins allowed by default: Tekton's Hephaestus UI on loopback. */
    public static final List<String> DEFAULT_CORS_ORIGINS = List.of("http://localhost:8080", "http://127.0.0.1:8080");

    /** A list from YAML, or comma-separated from the environment; blanks dropped. */
    private List<String> list(Map<String, Object> m, String path, List<String> dflt) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        List<?> raw = o instanceof List<?> l ? l : List.of(String.valueOf(o).split(","));
        List<String> out = new ArrayList<>();
        for (Object v : raw) {
            if (v instanceof Map || v instanceof List) {
                problems.add(label(path) + ": must be a list of strings");
                return dflt;
            }
            String s = String.valueOf(v).trim();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Origins as browsers send them: {@code http(s)://host[:port]}, lower case, no path. */
    private List<String> origins(Map<String, Object> m, String path) {
        List<String> out = new ArrayList<>();
        for (String o : list(m, path, DEFAULT_CORS_ORIGINS)) {
            String n = o.toLowerCase(Locale.ROOT);
            n = n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
            if (!n.matches("https?://[a-z0-9.\\-]+(:\\d{1,5})?") && !n.matches("https?://\\[[0-9a-f:.]+](:\\d{1,5})?")) {
                problems.add(label(path) + ": '" + o + "' is not an origin scheme://host[:port] (http or https, no path)");
            } else {
                out.add(n);
            }
        }
        return out;
    }

    /** Host names (no scheme, no port), or {@code *} for any. */
    private List<String> hosts(Map<String, Object> m, String path) {
        List<String> out = new ArrayList<>();
        for (String h : list(m, path, List.of())) {
            String n = h.toLowerCase(Locale.ROOT);
            if (!n.equals("*") && !n.matches("[a-z0-9.\\-]+") && !n.matches("\\[[0-9a-f:.]+]")) {
                problems.add(label(path) + ": '" + h + "' is not a host name (no scheme, no port) or *");
            } else {
                out.add(n);
            }
        }
        return out;
    }

    static boolean isLoopback(String host) {
        // Only literal loopback addresses and "localhost": a name is never resolved here.
        return host.equals("localhost") || host.equals("::1") || host.equals("[::1]")
                || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private void known(String where, Map<String, Object> m, Set<String> keys) {
        for (String k : m.keySet()) {
            if (!keys.contains(k)) {
                problems.add((where.isEmpty() ? "" : where + ".") + k + ": unknown key");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> section(Map<String, Object> root, String name, Set<String> keys) {
        Object o = root.get(name);
        Map<String, Object> out = new HashMap<>();
        if (o == null) {
            return out;
        }
        if (!(o instanceof Map<?, ?>)) {
            problems.add(name + ": must be a mapping");
            return out;
        }
        ((Map<Object, Object>) o).forEach((k, v) -> out.put(String.valueOf(k), v));
        known(name, out, keys);
        return out;
    }

    /**
     * Inside Tekton, Hermes is named by {@code HERMES_HOST} or {@code TEKTON_HOST} (else localhost)
     * and {@code HERMES_PORT} (else Tekton's 8001), the way Tekton's own URL builder
     * (shared/urls.py) finds it. Used only when one of them is set; {@code HERMES_URL} still wins.
     */
    private void tektonHermes(Map<String, Object> hermes, Map<String, String> env) {
        String hermesHost = env.get("HERMES_HOST");
        String tektonHost = env.get("TEKTON_HOST");
        String port = env.get("HERMES_PORT");
        String host = hermesHost != null && !hermesHost.isEmpty() ? hermesHost : tektonHost;
        boolean hasHost = host != null && !host.isEmpty();
        boolean hasPort = port != null && !port.isEmpty();
        if (!hasHost && !hasPort) {
            return;
        }
        if (hasPort && !(port.strip().matches("\\d{1,5}") && Integer.parseInt(port.strip()) >= 1
                && Integer.parseInt(port.strip()) <= 65535)) {
            problems.add("hermes.url (HERMES_PORT): must be a port number between 1 and 65535, got '" + port + "'");
            return;
        }
        String vars = (hasHost ? (hermesHost != null && !hermesHost.isEmpty() ? "HERMES_HOST" : "TEKTON_HOST") : "")
                + (hasHost && hasPort ? "/" : "") + (hasPort ? "HERMES_PORT" : "");
        hermes.put("url", "http://" + (hasHost ? host.strip() : "localhost") + ":"
                + (hasPort ? port.strip() : String.valueOf(TEKTON_HERMES_PORT)));
        fromEnv.put("hermes.url", vars);
    }

    /** Hermes' port in Tekton's port assignments (config/port_assignments.md, .env.local.example). */
    private static final int TEKTON_HERMES_PORT = 8001;

    /** {@code http(s)://host[:port]}, nothing after; null (derived from host and port) when not set. */
    private String advertiseUrl(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            java.net.URI u = java.net.URI.create(v.strip());
            String path = u.getPath() == null ? "" : u.getPath();
            if (u.getScheme() != null && (u.getScheme().equals("http") || u.getScheme().equals("https"))
                    && u.getHost() != null && (path.isEmpty() || path.equals("/")) && u.getQuery() == null
                    && u.getFragment() == null && u.getUserInfo() == null) {
                return u.getScheme() + "://" + u.getRawAuthority();
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        problems.add("server.advertise_url (PENIA_ADVERTISE_URL): must be http(s)://host[:port] with nothing after,"
                + " got '" + v + "'");
        return null;
    }

    /** Sets {@code path}'s key from {@code var} when it is set and not empty; problems with it then name the variable. */
    private void override(Map<String, Object> m, String path, Map<String, String> env, String var) {
        String v = env.get(var);
        if (v != null && !v.isEmpty()) {
            m.put(leaf(path), v);
            fromEnv.put(path, var);
        }
    }

    /** Sets {@code key} to true or false from the switch {@code var} (on or off, any case) when it is set. */
    private void onOff(Map<String, Object> m, String key, Map<String, String> env, String var) {
        String raw = env.get(var);
        if (raw == null) {
            return;
        }
        String v = raw.toLowerCase(Locale.ROOT);
        if (v.equals("on") || v.equals("off")) {
            m.put(key, v.equals("on"));
        } else {
            problems.add(var + ": must be on or off, got '" + raw + "'");
        }
    }

    /** A setting's name in a problem: its path, and the environment variable it came from, if any. */
    private String label(String path) {
        String var = fromEnv.get(path);
        return var == null ? path : path + " (" + var + ")";
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /**
     * The database: {@code database.path} (PENIA_DB) is a SQLite file, or a PostgreSQL URL
     * ({@code postgresql://}, {@code postgres://}, {@code jdbc:postgresql://}) whose password, when it has
     * none, is PENIA_DB_PASSWORD. A URL that does not parse is a problem named with its password hidden.
     */
    private PeniaConfig.Database database(Map<String, Object> db, Map<String, String> env) {
        String where = str(db, "database.path", "data/penia.db");
        int pool = integer(db, "database.pool_size", 4, 2, 64);
        if (!io.tekton.penia.engine.store.postgres.PgUrl.isPostgres(where)) {
            return new PeniaConfig.Database(Paths.get(where), pool);
        }
        String password = env.get("PENIA_DB_PASSWORD");
        try {
            io.tekton.penia.engine.store.postgres.PgUrl.parse(where, password);
        } catch (IllegalArgumentException e) {
            problems.add("database.path (PENIA_DB): " + e.getMessage());
        }
        return new PeniaConfig.Database(null, pool, where.strip(), password == null || password.isEmpty() ? null : password);
    }

    /** Backups, archive and their schedule; the directories default to beside the database file. */
    private PeniaConfig.Maintenance maintenance(Map<String, Object> m, Path db) {
        Path home = db.toAbsolutePath().normalize().getParent();
        String backups = str(m, "maintenance.backup_dir", null);
        String archive = str(m, "maintenance.archive_dir", null);
        return new PeniaConfig.Maintenance(
                backups == null ? home.resolve("backups") : Paths.get(backups).toAbsolutePath().normalize(),
                archive == null ? home.resolve("archive") : Paths.get(archive).toAbsolutePath().normalize(),
                integer(m, "maintenance.retention_months", 0, 0, 1200),
                Duration.ofHours(integer(m, "maintenance.interval_hours", 24, 1, 24 * 31)));
    }

    private String str(Map<String, Object> m, String path, String dflt) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        if (o instanceof Map || o instanceof List) {
            problems.add(label(path) + ": must be a string");
            return dflt;
        }
        return String.valueOf(o);
    }

    private int integer(Map<String, Object> m, String path, int dflt, int min, int max) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        try {
            long v = o instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(o).trim());
            if (o instanceof Number n && n.doubleValue() != v) {
                throw new NumberFormatException();
            }
            if (v < min || v > max) {
                problems.add(label(path) + ": must be between " + min + " and " + max + ", got " + v);
                return dflt;
            }
            return (int) v;
        } catch (NumberFormatException e) {
            problems.add(label(path) + ": must be a whole number, got '" + o + "'");
            return dflt;
        }
    }

    /** Spend-spike and first-spend notice settings (issue 25). */
    private AnomalyConfig anomalyConfig(Map<String, Object> engine) {
        AnomalyConfig d = AnomalyConfig.defaults();
        double factor = number(engine, "engine.spike_factor", d.spikeFactor());
        if (!(factor > 1) || factor > 1000) {
            problems.add(label("engine.spike_factor") + ": must be above 1 and at most 1000, got " + factor);
            factor = d.spikeFactor();
        }
        double floorUsd = number(engine, "engine.spike_min_spend_usd", d.minSpendMicros() / 1e6);
        if (floorUsd > 1_000_000) {
            problems.add(label("engine.spike_min_spend_usd") + ": must be at most 1000000, got " + floorUsd);
            floorUsd = d.minSpendMicros() / 1e6;
        }
        return new AnomalyConfig(bool(engine, "engine.anomaly_alerts", d.enabled()), factor, Math.round(floorUsd * 1e6),
                Duration.ofMinutes(integer(engine, "engine.spike_warmup_minutes", 60, 0, 7 * 1440)),
                Duration.ofHours(integer(engine, "engine.first_spend_notice_after_hours", 24, 0, 24 * 366)));
    }

    private double number(Map<String, Object> m, String path, double dflt) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        try {
            double v = o instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(o));
            if (!(v > 0) || Double.isInfinite(v)) {
                problems.add(label(path) + ": must be a positive number, got " + o);
                return dflt;
            }
            return v;
        } catch (NumberFormatException e) {
            problems.add(label(path) + ": must be a number, got '" + o + "'");
            return dflt;
        }
    }

    private boolean bool(Map<String, Object> m, String path, boolean dflt) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        problems.add(label(path) + ": must be true or false, got '" + o + "'");
        return dflt;
    }

    private List<Integer> ints(Map<String, Object> m, String path, List<Integer> dflt) {
        Object o = m.get(leaf(path));
        if (o == null) {
            return dflt;
        }
        if (!(o instanceof List<?> l)) {
            problems.add(path + ": must be a list of whole numbers");
            return dflt;
        }
        List<Integer> out = new ArrayList<>();
        for (Object e : l) {
            if (!(e instanceof Integer i) || i < 1 || i > 1000) {
                problems.add(path + ": each must be a whole number between 1 and 1000, got '" + e + "'");
                return dflt;
            }
            out.add(i);
        }
        return out;
    }


    @SuppressWarnings("unchecked")
    private List<Channel> channels(Object o, String path, Map<String, String> env) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            problems.add(path + ": must be a list");
            return List.of();
        }
        List<Channel> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> cm)) {
                problems.add(path + "[" + i + "]: must be a mapping");
                continue;
            }
            Map<String, Object> c = (Map<String, Object>) cm;
            String type = String.valueOf(c.get("type"));
            if (!Set.of("webhook", "slack", "email").contains(type)) {
                problems.add(path + "[" + i + "].type: must be webhook, slack or email");
                continue;
            }
            // A secret is named by the environment variable holding it, never written in the file.
            String secretEnv = c.get("secret_env") == null ? null : String.valueOf(c.get("secret_env"));
            String secret = secretEnv == null ? null : env.get(secretEnv);
            if (secretEnv != null && secret == null) {
                problems.add(path + "[" + i + "].secret_env: environment variable " + secretEnv + " is not set");
            }
            List<String> to = c.get("to") instanceof List<?> tl ? tl.stream().map(String::valueOf).toList() : List.of();
            out.add(new Channel(type, c.get("url") == null ? null : String.valueOf(c.get("url")), secret, to));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<BudgetSpec> seeds(Object o) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            problems.add("seed_budgets: must be a list");
            return List.of();
        }
        List<BudgetSpec> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String p = "seed_budgets[" + i + "]";
            if (!(l.get(i) instanceof Map<?, ?> bm)) {
                problems.add(p + ": must be a mapping");
                continue;
            }
            Map<String, Object> b = (Map<String, Object>) bm;
            known(p, b, Set.of("budget_id", "name", "component", "provider", "model", "limits", "warning_percent",
                    "stop_percent", "enforcement"));
            Map<Period, Money> limits = new EnumMap<>(Period.class);
            if (b.get("limits") instanceof Map<?, ?> lm) {
                lm.forEach((k, v) -> {
                    var period = Period.parse(String.valueOf(k));
                    if (period.isEmpty()) {
                        problems.add(p + ".limits." + k + ": unknown period");
                        return;
                    }
                    try {
                        limits.put(period.get(), Money.ofUsd(new BigDecimal(String.valueOf(v))));
                    } catch (NumberFormatException | PeniaException e) {
                        problems.add(p + ".limits." + k + ": must be an amount in USD");
                    }
                });
            } else {
                problems.add(p + ".limits: must be a mapping of period to USD");
            }
            Enforcement enf = "warn".equals(b.get("enforcement")) ? Enforcement.WARN : Enforcement.BLOCK;
            out.add(BudgetSpec.builder()
                    .budgetId(b.get("budget_id") == null ? null : String.valueOf(b.get("budget_id")))
                    .name(b.get("name") == null ? null : String.valueOf(b.get("name")))
                    .scope(new Scope((String) b.get("component"), (String) b.get("provider"), (String) b.get("model")))
                    .limits(limits)
                    .warningPercent(integer(b, p + ".warning_percent", 80, 1, 1000))
                    .stopPercent(integer(b, p + ".stop_percent", 95, 1, 1000))
                    .enforcement(enf).active(true).build());
        }
        return out;
    }
}
