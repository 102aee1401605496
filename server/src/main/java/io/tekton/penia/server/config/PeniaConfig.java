package io.tekton.penia.server.config;

import io.tekton.penia.engine.BudgetSpec;
import io.tekton.penia.engine.model.Channel;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * The whole validated configuration: {@code config/penia.yaml} with environment overrides.
 * Each component receives its own sub-record.
 */
public record PeniaConfig(Server server, Database database, ZoneId zone, Engine engine, Alerts alerts, Hermes hermes,
                          WebSocket websocket, Mcp mcp, Security security, Mail mail, List<BudgetSpec> seedBudgets,
                          Maintenance maintenance) {

    /** As before maintenance had its section: its defaults, beside the database file. */
    public PeniaConfig(Server server, Database database, ZoneId zone, Engine engine, Alerts alerts, Hermes hermes,
                       WebSocket websocket, Mcp mcp, Security security, Mail mail, List<BudgetSpec> seedBudgets) {
        this(server, database, zone, engine, alerts, hermes, websocket, mcp, security, mail, seedBudgets,
                Maintenance.beside(database.home()));
    }

    /**
     * Backups and retention: {@code backupDir} is the only place {@code POST /api/v1/admin/backup}
     * writes; ledger rows older than {@code retentionMonths} whole months (0: keep all) move to
     * monthly files in {@code archiveDir}; retention and the incremental vacuum run every
     * {@code interval}.
     */
    public record Maintenance(Path backupDir, Path archiveDir, int retentionMonths, Duration interval) {
        /** The defaults: {@code backups/} and {@code archive/} beside the database file, keep all, daily. */
        public static Maintenance beside(Path db) {
            Path home = db.toAbsolutePath().normalize().getParent();
            return new Maintenance(home.resolve("backups"), home.resolve("archive"), 0, Duration.ofHours(24));
        }
    }

    /**
     * Where and how the HTTP server listens. {@code advertiseUrl}: the base URL other instances
     * forward to while this one leads (several instances over PostgreSQL); null means
     * {@code http://<host, or the machine's name when host is a wildcard>:<port>}.
     */
    public record Server(String host, int port, int maxBodyBytes, int maxHeaderBytes, int maxPageSize,
                         Duration shutdownGrace, int maxConcurrentRequests, String advertiseUrl) {
    }

    /**
     * The database: a SQLite file ({@code path}), or PostgreSQL when {@code postgresUrl} is set
     * (PENIA_DB as {@code postgresql://…}; {@code path} is then null) with {@code password}
     * (PENIA_DB_PASSWORD) when the URL has none.
     */
    public record Database(Path path, int poolSize, String postgresUrl, String password) {
        /** A SQLite file. */
        public Database(Path path, int poolSize) {
            this(path, poolSize, null, null);
        }

        public boolean isPostgres() {
            return postgresUrl != null;
        }

        /** What to open. */
        public io.tekton.penia.engine.store.StorageConfig storage() {
            return isPostgres() ? io.tekton.penia.engine.store.StorageConfig.postgres(postgresUrl, password, poolSize)
                    : io.tekton.penia.engine.store.StorageConfig.sqlite(path, poolSize);
        }

        /** The file, or the PostgreSQL URL with its password hidden: for logs and messages. */
        public String describe() {
            return isPostgres() ? storage().toString() : String.valueOf(path);
        }

        /** Where backups and archives go by default: beside the SQLite file (PostgreSQL has none: {@code data/}). */
        public Path home() {
            return path != null ? path : Path.of("data", "penia.db");
        }

        @Override
        public String toString() {
            return "Database[" + describe() + ", poolSize=" + poolSize + "]";
        }
    }

    /**
     * Engine timing and limits; {@code maxBackdate}: how late a usage may be recorded (its timestamp's age);
     * {@code forecast} and {@code anomaly}: projected-overrun and spend-spike alerts (issue 25).
     */
    public record Engine(Duration reservationTtl, Duration maxReservationTtl, Duration evaluationInterval,
                         int writerQueueCapacity, int writerMaxBatch, Duration maxBackdate,
                         io.tekton.penia.engine.forecast.ForecastConfig forecast,
                         io.tekton.penia.engine.forecast.AnomalyConfig anomaly) {
    }

    /**
     * Defaults of both monitors, the global alert channels and the limits of delivery: per
     * destination (channel type and host, or the mail server) at most {@code destinationConcurrency}
     * sends at once and {@code destinationQueueLimit} more waiting; one send waits at most
     * {@code deliveryTimeout} for an answer.
     */
    public record Alerts(List<Integer> thresholds, int warningPercent, int stopPercent, Duration cooldown,
                         List<Channel> channels, int maxDeliveryAttempts, Duration retryBackoff,
                         int destinationConcurrency, int destinationQueueLimit, Duration deliveryTimeout) {
    }

    /** Tekton's service registry. */
    public record Hermes(boolean enabled, URI url, Duration heartbeat) {
    }

    /** The /ws endpoint. */
    public record WebSocket(int maxConnections, int queueLimit, Duration heartbeat, Duration coalesce) {
    }

    /** The /mcp endpoint. */
    public record Mcp(Duration sessionIdle, int maxSessions, Duration keepAlive) {
    }

    /**
     * Keys and rate limits, and what browsers may do: the origins allowed to call (the one list
     * behind the Origin check and CORS, on REST, {@code /ws} and {@code /mcp}) and the names the
     * {@code Host} header may carry besides the bound address and loopback ({@code *}: any).
     */
    public record Security(String adminKey, double requestsPerSecond, int burst, List<String> corsOrigins,
                           List<String> allowedHosts) {
        public Security {
            corsOrigins = List.copyOf(corsOrigins);
            allowedHosts = List.copyOf(allowedHosts);
        }

        /** Never prints the admin key (records print every field by default). */
        @Override
        public String toString() {
            return "Security[adminKey=" + (adminKey == null ? "none" : "(redacted)") + ", requestsPerSecond="
                    + requestsPerSecond + ", burst=" + burst + ", corsOrigins=" + corsOrigins + ", allowedHosts="
                    + allowedHosts + "]";
        }
    }

    /** SMTP for e-mail alerts; the password comes from the environment only. */
    public record Mail(String host, int port, String username, String password, String from, boolean startTls) {
        /** Never prints the password. */
        @Override
        public String toString() {
            return "Mail[host=" + host + ", port=" + port + ", username=" + username + ", password="
                    + (password == null ? "none" : "(redacted)") + ", from=" + from + ", startTls=" + startTls + "]";
        }
    }
}
