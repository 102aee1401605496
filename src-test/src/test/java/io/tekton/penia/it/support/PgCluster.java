package io.tekton.penia.it.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for the tests (issue 23), one per JVM: the newest server binaries
 * under {@code /usr/lib/postgresql/<version>/bin} (or {@code PENIA_PG_BIN}), {@code initdb} into a
 * temporary folder with trust authentication, listening on 127.0.0.1 on a free port (its Unix socket in
 * that folder). PostgreSQL refuses to run as root: when the JVM is root, the folder is given to the
 * {@code postgres} OS user and every server command runs as that user ({@code runuser}, else {@code su}).
 * The server's output goes to {@code target/postgres/cluster-<pid>.log}.
 *
 * <pre>{@code
 * PgCluster pg = PgCluster.shared();           // started on first use, stopped at JVM exit
 * String db = pg.createDatabase();             // a fresh, empty database of its own
 * TestServer.start(Map.of("PENIA_DB", pg.url(db)), clock);   // postgresql://postgres@127.0.0.1:<port>/<db>
 * }</pre>
 *
 * <p>{@link #stop()}, {@link #crash()}, {@link #start()} and {@link #restart()} take the server down and
 * up again on the same port and data (for tests of a PostgreSQL outage under load). Every wait is bounded;
 * when PostgreSQL cannot be started the call throws with the reason and the end of the log: tests that
 * need it fail, they are never skipped.
 */
public final class PgCluster {
    /** The superuser initdb creates; trust authentication, no password. */
    public static final String USER = "postgres";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PgCluster shared;

    private final Path bin;
    private final Path base;
    private final Path data;
    private final Path log;
    private final int port;
    private final boolean asPostgresUser;
    private Process server;
    private long startMillis;

    private PgCluster(Path bin, Path base, Path log, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.base = base;
        this.data = base.resolve("data");
        this.log = log;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** The cluster of this JVM, created and started on the first call; stopped and deleted at exit. */
    public static synchronized PgCluster shared() {
        if (shared == null) {
            PgCluster c = create();
            Runtime.getRuntime().addShutdownHook(new Thread(c::destroy, "pg-cluster-stop"));
            shared = c;
        }
        return shared;
    }

    private static PgCluster create() {
        long t0 = System.nanoTime();
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base;
        Path log;
        try {
            // /tmp, not target/: the postgres user must be able to reach the data folder, and the
            // project's folders may not be open to it.
            base = Files.createTempDirectory("penia-pg");
            Files.createDirectories(base.resolve("sock"));
            Path logs = Path.of("target", "postgres").toAbsolutePath();
            Files.createDirectories(logs);
            log = logs.resolve("cluster-" + ProcessHandle.current().pid() + ".log");
            Files.deleteIfExists(log);
            Files.createFile(log);
            if (root) {
                chownToPostgres(base);
            }
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL cannot start: cannot prepare its folders: " + e.getMessage(), e);
        }
        PgCluster c = new PgCluster(bin, base, log, freePort(), root);
        c.initdb();
        c.start();
        c.startMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("PostgreSQL " + bin.getParent().getFileName() + " test cluster ready on 127.0.0.1:" + c.port
                + " in " + c.startMillis + " ms (initdb + start), data " + c.data + ", log " + log);
        return c;
    }

    /** The newest installed server's bin folder, or PENIA_PG_BIN when set. */
    private static Path binaries() {
        String forced = System.getenv("PENIA_PG_BIN");
        if (forced != null && !forced.isBlank()) {
            Path p = Path.of(forced);
            if (!Files.isExecutable(p.resolve("initdb")) || !Files.isExecutable(p.resolve("postgres"))) {
                throw new IllegalStateException("PostgreSQL cannot start: PENIA_PG_BIN=" + forced + " has no initdb and postgres");
            }
            return p;
        }
        Path root = Path.of("/usr/lib/postgresql");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres"))
                                && Files.isExecutable(b.resolve("pg_ctl")))
                        .forEach(found::add);
            } catch (IOException e) {
                throw new IllegalStateException("PostgreSQL cannot start: cannot list " + root + ": " + e.getMessage(), e);
            }
        }
        return found.stream()
                .max(Comparator.comparingDouble(b -> versionOf(b.getParent().getFileName().toString())))
                .orElseThrow(() -> new IllegalStateException("PostgreSQL cannot start: no server binaries under "
                        + root + "/*/bin (install the Debian package: apt-get install -y postgresql)"));
    }

    private static double versionOf(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void chownToPostgres(Path base) throws IOException {
        UserPrincipalLookupService users = base.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal owner;
        GroupPrincipal group;
        try {
            owner = users.lookupPrincipalByName(USER);
            group = users.lookupPrincipalByGroupName(USER);
        } catch (IOException e) {
            throw new IOException("the JVM runs as root and PostgreSQL refuses root, but there is no '" + USER
                    + "' OS user to run it as (the Debian postgresql package creates one): " + e.getMessage(), e);
        }
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.toList()) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                view.setOwner(owner);
                view.setGroup(group);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL cannot start: no free port: " + e.getMessage(), e);
        }
    }

    private void initdb() {
        run(Duration.ofSeconds(120), "initdb", bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions");
    }

    /** Starts the server (a no-op when it runs) and waits until it accepts connections. */
    public synchronized void start() {
        if (server != null && server.isAlive()) {
            return;
        }
        List<String> cmd = List.of(bin.resolve("postgres").toString(), "-D", data.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + base.resolve("sock"),
                "-c", "max_connections=300", "-c", "shared_buffers=64MB", "-c", "logging_collector=off",
                "-c", "log_line_prefix=%m [%p] ",
                // After a crash PostgreSQL first syncs its data folder to disk; file by file (the default)
                // that took 4-8 s here on a busy disk, one syncfs call takes a fraction of it.
                "-c", "recovery_init_sync_method=syncfs");
        appendLog("---- start: " + String.join(" ", cmd));
        try {
            server = new ProcessBuilder(asUser(cmd)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL cannot start: " + e.getMessage() + tail(), e);
        }
        awaitReady();
    }

    /**
     * Polls with a connection until the server answers, the process exits (its reason is in the log) or
     * the deadline passes. The pause between attempts is the process's own exit wait, bounded.
     */
    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = connect("postgres", 2)) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                if (server.waitFor(100, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("PostgreSQL cannot start: the server exited with status "
                            + server.exitValue() + tail());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while PostgreSQL started", e);
            }
        }
        server.destroyForcibly();
        throw new IllegalStateException("PostgreSQL cannot start: no connection within " + READY_TIMEOUT.toSeconds()
                + " s (last error: " + (last == null ? "none" : last.getMessage()) + ")" + tail());
    }

    /** Stops the server gracefully (pg_ctl's fast mode: sessions are ended, a checkpoint is written). */
    public synchronized void stop() {
        shutdown("fast");
    }

    /**
     * Stops the server as a crash would (pg_ctl's immediate mode: every process quits at once, no
     * checkpoint); the next {@link #start()} recovers from the write-ahead log.
     */
    public synchronized void crash() {
        shutdown("immediate");
    }

    /** {@link #stop()}, then {@link #start()}: same port, same data. */
    public synchronized void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return server != null && server.isAlive();
    }

    private void shutdown(String mode) {
        if (server == null || !server.isAlive()) {
            return;
        }
        appendLog("---- stop (" + mode + ")");
        try {
            run(STOP_TIMEOUT, "pg_ctl stop", bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", mode,
                    "-w", "-t", Long.toString(STOP_TIMEOUT.toSeconds()));
        } catch (IllegalStateException e) {
            server.destroyForcibly();
        }
        try {
            if (!server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                server.destroyForcibly();
                throw new IllegalStateException("PostgreSQL did not stop within " + STOP_TIMEOUT.toSeconds() + " s" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL stopped", e);
        }
    }

    /** Stops the server and deletes its data (the shutdown hook). */
    private synchronized void destroy() {
        try {
            stop();
        } catch (RuntimeException e) {
            appendLog("---- stop at exit failed: " + e.getMessage());
        }
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException e) {
            appendLog("---- cannot delete " + base + ": " + e.getMessage());
        }
    }

    /** A new empty database with a unique name, owned by {@link #USER}. */
    public String createDatabase() {
        String name = "penia_" + DATABASES.incrementAndGet() + "_"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection c = connect("postgres", 10); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on the test cluster: " + e.getMessage(), e);
        }
        return name;
    }

    /** A JDBC connection to {@code db} as {@link #USER}. */
    public Connection connect(String db) throws SQLException {
        return connect(db, 10);
    }

    private Connection connect(String db, int timeoutSeconds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        p.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        return DriverManager.getConnection(jdbcUrl(db), p);
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<db>} (the user goes as a property: {@link #USER}). */
    public String jdbcUrl(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    /** {@code postgresql://postgres@127.0.0.1:<port>/<db>}: a PENIA_DB value. */
    public String url(String db) {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + db;
    }

    public int port() {
        return port;
    }

    /** The server's log file (under target/postgres). */
    public Path log() {
        return log;
    }

    /** How long the first start took (initdb included), in milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    private List<String> asUser(List<String> cmd) {
        if (!asPostgresUser) {
            return cmd;
        }
        Path runuser = Stream.of("/usr/sbin/runuser", "/sbin/runuser").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        List<String> wrapped = new ArrayList<>();
        if (runuser != null) {
            wrapped.addAll(List.of(runuser.toString(), "-u", USER, "--"));
            wrapped.addAll(cmd);
        } else {
            StringBuilder line = new StringBuilder("exec");
            for (String arg : cmd) {
                line.append(" '").append(arg.replace("'", "'\\''")).append('\'');
            }
            wrapped.addAll(List.of("su", "-s", "/bin/sh", USER, "-c", line.toString()));
        }
        return wrapped;
    }

    /** Runs one command to its end within {@code timeout}, its output into the log; throws when it fails. */
    private void run(Duration timeout, String what, String... cmd) {
        appendLog("---- " + what + ": " + String.join(" ", cmd));
        try {
            Process p = new ProcessBuilder(asUser(List.of(cmd))).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("PostgreSQL: " + what + " did not finish within " + timeout.toSeconds()
                        + " s" + tail());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("PostgreSQL: " + what + " failed with status "
                        + p.exitValue() + tail());
            }
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL cannot start: cannot run " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + what, e);
        }
    }

    private void appendLog(String line) {
        try {
            Files.writeString(log, java.time.Instant.now() + " " + line + System.lineSeparator(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The log is for people reading a failure; a test does not depend on it.
        }
    }

    /** The last lines of the log, for an error message. */
    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "; log " + log + ", last lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "; log " + log;
        }
    }
}
