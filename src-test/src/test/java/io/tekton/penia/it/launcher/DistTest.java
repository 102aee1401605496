package io.tekton.penia.it.launcher;

import io.tekton.penia.server.PeniaServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarFile;

import static io.tekton.penia.it.launcher.Launch.ROOT;
import static io.tekton.penia.it.launcher.Launch.assertExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bin/penia dist}: a folder with the jar, exactly the libraries its manifest names,
 * config/ and a launcher; moved elsewhere, it serves and speaks MCP over stdio with nothing but
 * a JDK (no Maven, no checkout, no java on PATH: the launcher finds the JDK by itself).
 */
@Tag("slow")
class DistTest {
    private static final Duration QUICK = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void dist_movedElsewhere_servesAndSpeaksMcpStdio_withOnlyAJdk() throws Exception {
        Path jar = Launch.packagedJar();
        Path path = Launch.pathWithoutMavenOrJava(dir.resolve("path"));
        Map<String, String> env = Launch.env(path);
        env.put("JAVA_HOME", Launch.jdk());
        // This build's jar is the one to ship: a pom-only edit in the checkout may look newer than it.
        env.put("PENIA_BUILD", "never");

        Launch.Result made = Launch.run(List.of(ROOT.resolve("bin/penia").toString(), "dist", dir.resolve("out").toString()),
                dir, env, Duration.ofSeconds(120));

        assertExit(made, 0);
        Path dist = dir.resolve("out/penia-" + PeniaServer.VERSION);
        assertThat(made.output()).contains(dist.toString());
        assertThat(dist.resolve("penia-server.jar")).hasSameBinaryContentAs(jar);
        assertThat(dist.resolve("config/penia.yaml")).hasSameTextualContentAs(ROOT.resolve("config/penia.yaml"));
        assertThat(dist.resolve("bin/penia")).isExecutable();
        assertThat(dist.resolve("penia.service")).hasSameTextualContentAs(ROOT.resolve("docs/penia.service"));
        assertThat(Files.readString(dist.resolve("VERSION")).strip()).isEqualTo(PeniaServer.VERSION);
        List<String> classPath;
        try (JarFile j = new JarFile(dist.resolve("penia-server.jar").toFile())) {
            classPath = List.of(j.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
        }
        assertThat(classPath).hasSizeGreaterThan(10).allSatisfy(e -> assertThat(dist.resolve(e)).isRegularFile());
        try (var libs = Files.list(dist.resolve("libs"))) {
            assertThat(libs.count()).as("no leftovers beside the manifest's libraries").isEqualTo(classPath.size());
        }

        // Self-contained: moved away from the checkout, started from another directory.
        Path home = Files.createDirectories(dir.resolve("opt")).resolve("penia");
        Files.move(dist, home);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        env.remove("PENIA_BUILD");
        Launch.Result version = Launch.run(List.of(home.resolve("bin/penia").toString(), "--version"), elsewhere, env, QUICK);
        assertExit(version, 0);
        assertThat(version.output().strip()).isEqualTo("penia " + PeniaServer.VERSION);
        Launch.Result help = Launch.run(List.of(home.resolve("bin/penia").toString(), "--help"), elsewhere, env, QUICK);
        assertExit(help, 0);
        assertThat(help.output()).contains("serve", "mcp-stdio");
        Launch.Result other = Launch.run(List.of(home.resolve("bin/penia").toString(), "no-such-command"), elsewhere, env, QUICK);
        assertExit(other, 2);
        assertThat(other.output()).as("other commands reach the server jar").contains("unknown command 'no-such-command'");

        int port = Launch.freePort();
        Path db = dir.resolve("state/penia.db");
        env.putAll(Map.of("PENIA_PORT", Integer.toString(port), "PENIA_DB", db.toString(), "PENIA_HERMES", "off", "PENIA_CDS", "off"));
        Path log = dir.resolve("serve.log");
        Process server = Launch.builder(List.of(home.resolve("bin/penia").toString()), elsewhere, env, log).start();
        try {
            String health = Launch.awaitHealthy(server, port, log);
            assertThat(health).contains("\"database\":\"connected\"", "\"version\":\"" + PeniaServer.VERSION + "\"");
            assertThat(db).exists();
        } finally {
            Launch.stop(server);
        }
        try (var data = Files.list(home.resolve("data"))) {
            assertThat(data).as("PENIA_DB is honoured, the folder's data/ stays empty").isEmpty();
        }

        assertThat(callListBudgetsOverStdio(home, elsewhere, env))
                .contains("\"id\":2", "openai", "anthropic")
                .doesNotContain("\"error\"");
    }

    /** mcp-stdio of the distribution on the database the server seeded: initialize, then list_budgets. */
    private String callListBudgetsOverStdio(Path home, Path cwd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/penia").toString(), "mcp-stdio").directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectError(dir.resolve("stdio.err").toFile());
        Process p = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(("""
                    {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"dist-test","version":"1"}}}
                    {"jsonrpc":"2.0","method":"notifications/initialized"}
                    {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_budgets","arguments":{}}}
                    """).getBytes(StandardCharsets.UTF_8));
            in.flush();
            await().atMost(Launch.START_BOUND).until(() -> reply(lines).isPresent() || !p.isAlive());
        } finally {
            Launch.stop(p);
            reader.join(Duration.ofSeconds(5));
        }
        String stderr = Files.readString(dir.resolve("stdio.err"));
        return reply(lines).orElseThrow(() -> new AssertionError("no reply to list_budgets; stdout " + lines + "\nstderr:\n" + stderr));
    }

    private static Optional<String> reply(List<String> lines) {
        return lines.stream().filter(l -> l.contains("\"id\":2")).findFirst();
    }
}
