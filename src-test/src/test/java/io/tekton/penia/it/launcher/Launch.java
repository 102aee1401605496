package io.tekton.penia.it.launcher;

import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.PeniaServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the shell launchers ({@code bin/penia} and a distribution's {@code bin/penia}) as an
 * operator would, in a PATH that holds neither Maven nor java.
 */
final class Launch {
    static final Path ROOT = Path.of(TestServer.repoRoot());
    static final Duration START_BOUND = Duration.ofSeconds(90);
    private static final Set<String> STRIPPED = Set.of("mvn", "mvnDebug", "mvnyjp", "mvnw", "java", "javac");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Launch() {
    }

    /** The command's exit status and its stdout and stderr together. */
    record Result(int exit, String output) {
    }

    /**
     * A directory of links to every command on this PATH except Maven and java: used as the whole
     * PATH, it is the machine of an operator who has only the JDK that JAVA_HOME (or /usr/lib/jvm) names.
     */
    static Path pathWithoutMavenOrJava(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path d = Path.of(entry.isEmpty() ? "." : entry);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (var files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    Path link = dir.resolve(name);
                    if (!STRIPPED.contains(name) && Files.isRegularFile(f) && Files.isExecutable(f) && !Files.exists(link)) {
                        Files.createSymbolicLink(link, f.toAbsolutePath());
                    }
                }
            }
        }
        return dir;
    }

    /** The environment of a launch: this one without PENIA_*, JAVA_HOME and Maven settings, PATH replaced. */
    static Map<String, String> env(Path path) {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("PENIA_") && !k.startsWith("MAVEN_") && !k.equals("JAVA_HOME") && !k.equals("M2_HOME")) {
                env.put(k, v);
            }
        });
        env.put("PATH", path.toString());
        return env;
    }

    /** The JDK running this test (21 or newer), for JAVA_HOME. */
    static String jdk() {
        return System.getProperty("java.home");
    }

    /** Runs a command to its end (bounded), in {@code dir}, with exactly {@code env}. */
    static Result run(List<String> command, Path dir, Map<String, String> env, Duration bound) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "launch", ".out");
        Process p = builder(command, dir, env, out).start();
        if (!p.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + bound + ":\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    static ProcessBuilder builder(List<String> command, Path dir, Map<String, String> env, Path out) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.redirectOutput(out.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits (bounded) until {@code GET /health} answers 200 and returns its body; fails early if the process died. */
    static String awaitHealthy(Process p, int port, Path log) {
        AtomicReference<String> body = new AtomicReference<>();
        await().atMost(START_BOUND).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("the server exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                body.set(r.body());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return body.get();
    }

    /** SIGTERM, as systemd stops it; waits (bounded) for the end. */
    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the server did not stop within 30 s of SIGTERM");
        }
    }

    /**
     * server/target/penia-server.jar as this build packaged it. {@code bin/penia test} runs
     * {@code mvn install}, which packages the server before src-test's tests run, so src-test's
     * classpath holds that jar; a plain {@code mvn test} leaves classes only, and the test is skipped.
     */
    static Path packagedJar() {
        Path jar = ROOT.resolve("server/target/penia-server.jar");
        try {
            Path onClasspath = Path.of(PeniaServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            assumeTrue(Files.isRegularFile(jar) && Files.isSameFile(onClasspath, jar),
                    "the server is not packaged in this build (a 'mvn test' run); bin/penia test packages it first");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    static void assertExit(Result r, int expected) {
        assertThat(r.exit()).as(r.output()).isEqualTo(expected);
    }
}
