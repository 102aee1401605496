package io.tekton.penia.it.launcher;

import io.tekton.penia.server.PeniaServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.launcher.Launch.ROOT;
import static io.tekton.penia.it.launcher.Launch.assertExit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/penia} without Maven: help and the version anywhere (no JDK, no jar needed), a
 * built jar runs as it is, and a needed build without Maven is refused with a clear message.
 * Each case runs a copy of the launcher in its own tree, so the checkout is never rebuilt.
 */
@Tag("slow")
class LauncherTest {
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));

    @TempDir
    static Path shared;
    private static Path path;

    @TempDir
    Path dir;

    @BeforeAll
    static void noMaven() throws IOException {
        path = Launch.pathWithoutMavenOrJava(shared.resolve("path"));
    }

    @Test
    void helpAndVersion_withoutMavenJdkOrJar_printUsageAndThePomVersion() throws Exception {
        Path tree = tree(dir.resolve("tree"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Map<String, String> env = Launch.env(path); // no JAVA_HOME, no java, no mvn on PATH
        for (String help : List.of("help", "-h", "--help")) {
            Launch.Result r = Launch.run(List.of(tree.resolve("bin/penia").toString(), help), elsewhere, env, QUICK);
            assertExit(r, 0);
            assertThat(r.output()).as(help).contains("usage: bin/penia", "serve", "mcp-stdio", "dist [DIR]", "PENIA_BUILD=never");
        }
        Launch.Result v = Launch.run(List.of(tree.resolve("bin/penia").toString(), "--version"), elsewhere, env, QUICK);
        assertExit(v, 0);
        // The pom's version is the one the server reports in /health and to MCP clients.
        assertThat(v.output().strip()).isEqualTo("penia " + PeniaServer.VERSION);
        Launch.Result checkout = Launch.run(List.of(ROOT.resolve("bin/penia").toString(), "--version"), elsewhere, env, QUICK);
        assertThat(checkout.output().strip()).isEqualTo("penia " + PeniaServer.VERSION);
    }

    @Test
    void serve_buildNeededWithoutMaven_refusedNamingMaven() throws Exception {
        Path tree = tree(dir.resolve("tree"));
        Path source = tree.resolve("engine/src/main/java/X.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class X {}\n");
        Map<String, String> env = Launch.env(path);
        env.put("JAVA_HOME", Launch.jdk());

        Launch.Result r = Launch.run(List.of(tree.resolve("bin/penia").toString(), "serve"), dir, env, QUICK);

        assertExit(r, 2);
        assertThat(r.output()).contains("a build is needed (no built jar at server/target/penia-server.jar)",
                "Maven (mvn) is not on PATH", "apt-get install maven", "bin/penia dist");
        assertThat(tree.resolve("server/target")).doesNotExist();
    }

    @Test
    void serve_builtJarWithoutMaven_runsIt_untilASourceIsNewer() throws Exception {
        Path jar = Launch.packagedJar();
        Path tree = tree(dir.resolve("tree"));
        Files.createDirectories(tree.resolve("server"));
        Files.createSymbolicLink(tree.resolve("server/target"), jar.getParent());
        Files.createDirectories(tree.resolve("config"));
        Files.copy(ROOT.resolve("config/penia.yaml"), tree.resolve("config/penia.yaml"));
        Path source = tree.resolve("engine/src/main/java/X.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class X {}\n");
        int port = Launch.freePort();
        Path db = dir.resolve("db/penia.db");
        Map<String, String> env = Launch.env(path);
        env.putAll(Map.of("JAVA_HOME", Launch.jdk(), "PENIA_PORT", Integer.toString(port), "PENIA_DB", db.toString(),
                "PENIA_HERMES", "off", "PENIA_CDS", "off"));
        List<String> serve = List.of(tree.resolve("bin/penia").toString(), "serve");

        // A main source edited after the build: a build is needed, and there is no Maven.
        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plus(1, ChronoUnit.DAYS)));
        Launch.Result stale = Launch.run(serve, dir, env, QUICK);
        assertExit(stale, 2);
        assertThat(stale.output()).contains("engine/src/main/java/X.java changed since the last build", "Maven (mvn) is not on PATH");
        assertThat(db).doesNotExist();

        // Sources older than the jar: it runs as built.
        Files.setLastModifiedTime(source, LONG_AGO);
        Path log = dir.resolve("serve.log");
        Process p = Launch.builder(serve, dir, env, log).start();
        try {
            String health = Launch.awaitHealthy(p, port, log);
            assertThat(health).contains("\"database\":\"connected\"", "\"version\":\"" + PeniaServer.VERSION + "\"");
            assertThat(db).exists();
            assertThat(Files.readString(log)).doesNotContain("building");
        } finally {
            Launch.stop(p);
        }
    }

    /** A tree with only the launcher and the root pom, both older than any build. */
    private static Path tree(Path t) throws IOException {
        Files.createDirectories(t.resolve("bin"));
        Files.copy(ROOT.resolve("bin/penia"), t.resolve("bin/penia"));
        assertThat(t.resolve("bin/penia").toFile().setExecutable(true)).isTrue();
        Files.copy(ROOT.resolve("pom.xml"), t.resolve("pom.xml"));
        Files.setLastModifiedTime(t.resolve("pom.xml"), LONG_AGO);
        return t;
    }
}
