package io.tekton.penia.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Java process the bench starts (Penia, or the trivial ping server), with the same JVM
 * options for both, its readiness time, CPU time and heap figures.
 */
public final class Proc implements AutoCloseable {
    private static final HttpClient PROBE = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    private final Process process;
    private final int port;
    private final long startedNanos;
    private final String name;
    private long readyNanos = -1;

    private Proc(String name, Process p, int port, long startedNanos) {
        this.name = name;
        this.process = p;
        this.port = port;
        this.startedNanos = startedNanos;
    }

    /** The java binary running this bench (the same JDK runs every process it starts). */
    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JVM options given to every server the bench starts ({@code PENIA_BENCH_SERVER_OPTS} adds more). */
    public static List<String> serverJvmOpts(String extra) {
        List<String> o = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        String env = System.getenv("PENIA_BENCH_SERVER_OPTS");
        for (String s : new String[]{env, extra}) {
            if (s != null && !s.isBlank()) {
                o.addAll(List.of(s.trim().split("\\s+")));
            }
        }
        return o;
    }

    /** Starts Penia from its jar, in {@code workDir} (where config/penia.yaml is), on a free port. */
    public static Proc penia(Path jar, Path workDir, Path db, Path log, String extraJvm, Map<String, String> env) {
        return penia(jar, workDir, db.toAbsolutePath().toString(), freePort(), log, extraJvm, env);
    }

    /**
     * Starts Penia from its jar, in {@code workDir}, on {@code port}, with {@code PENIA_DB=db}
     * (a SQLite file, or a {@code postgresql://} URL; {@code PENIA_DB_PASSWORD} passes through
     * from the bench's environment).
     */
    public static Proc penia(Path jar, Path workDir, String db, int port, Path log, String extraJvm,
                             Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(javaJar(jar, extraJvm, "serve")).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PENIA_PORT", Integer.toString(port));
        pb.environment().put("PENIA_HOST", "127.0.0.1");
        pb.environment().put("PENIA_DB", db);
        pb.environment().put("PENIA_HERMES", "off");
        pb.environment().remove("PENIA_ADMIN_KEY");
        pb.environment().putAll(env);
        return start("penia", pb, port);
    }

    /** Starts the bench's trivial Helidon server (GET /ping) with the same JVM options as Penia. */
    public static Proc ping(Path benchJar, Path log, String extraJvm) {
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(javaJar(benchJar, extraJvm, "ping-server", "--port", Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        return start("ping", pb, port);
    }

    /** The command line {@code java <server JVM options> -jar jar args...}. */
    private static List<String> javaJar(Path jar, String extraJvm, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(serverJvmOpts(extraJvm));
        cmd.add("-jar");
        cmd.add(jar.toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Proc start(String name, ProcessBuilder pb, int port) {
        try {
            long t0 = System.nanoTime();
            Process p = pb.start();
            return new Proc(name, p, port, t0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Polls {@code path} every 10 ms until it answers 200; returns ms from process start to ready. */
    public double awaitReady(String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready");
            }
            try {
                HttpResponse<Void> r = PROBE.send(req, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    readyNanos = System.nanoTime();
                    return (readyNanos - startedNanos) / 1e6;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(10);
        }
        throw new IllegalStateException(name + " not ready within " + timeout.toMillis() + "ms");
    }

    /** User + system CPU time of the process so far, in nanoseconds (from /proc). */
    public long cpuNanos() {
        return cpuNanos(process.pid());
    }

    public static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size in MB (from /proc). */
    public double rssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // gone
        }
        return -1;
    }

    /** Runs {@code jcmd <pid> args...} and returns its output. */
    public String jcmd(String... args) {
        Path jcmd = Path.of(java()).resolveSibling("jcmd");
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(process.pid())));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "jcmd failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Heap in use, MB, from {@code GC.heap_info} (G1: "garbage-first heap total …K, used …K").
     * With {@code afterGc}, a full GC runs first, so the figure is the live set.
     */
    public double heapUsedMb(boolean afterGc) {
        if (afterGc) {
            jcmd("GC.run");
        }
        String info = jcmd("GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : -1;
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL after 15 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
