package io.tekton.penia.it.api;

import io.tekton.penia.it.support.Executables;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Lints {@code openapi.yaml} with Redocly CLI (its {@code recommended} rules, as the repository's
 * {@code redocly.yaml} sets them) and with Spectral ({@code spectral:oas}), and fails on any error
 * or warning. Needs {@code npx}; skipped only when npx is absent, never when a lint finds problems.
 */
class OpenApiLintTest {
    /** Pinned, so that a new release cannot change the rules under the build (Node 20 runs it). */
    static final String REDOCLY = "@redocly/cli@1.34.5";
    static final String SPECTRAL = "@stoplight/spectral-cli@6.16.3";
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void redoclyLint_reportsNoErrorAndNoWarning(@TempDir Path work) throws Exception {
        Path root = Path.of(TestServer.repoRoot());
        String output = npx(work, "-y", REDOCLY, "lint", "--format", "stylish",
                "--config", root.resolve("redocly.yaml").toString(),
                root.resolve("server/src/main/resources/openapi.yaml").toString());
        assertThat(output).as("redocly lint output").contains("Your API description is valid")
                .doesNotContainIgnoringCase("warning").doesNotContainIgnoringCase("error");
    }

    /** Spectral's OpenAPI rules ({@code spectral:oas}, the repository's {@code .spectral.yaml}): no problem of any severity. */
    @Test
    void spectralLint_reportsNoProblem(@TempDir Path work) throws Exception {
        Path root = Path.of(TestServer.repoRoot());
        String output = npx(work, "-y", SPECTRAL, "lint", "--fail-severity", "hint",
                "--ruleset", root.resolve(".spectral.yaml").toString(),
                root.resolve("server/src/main/resources/openapi.yaml").toString());
        assertThat(output).as("spectral lint output").contains("No results with a severity of 'hint' or higher found");
    }

    /** Runs npx with a bounded time; fails unless it exits 0; answers its output without npm's own lines. */
    private static String npx(Path work, String... args) throws Exception {
        Path npx = Executables.onPath("npx");
        assumeTrue(npx != null, "npx is not installed; the OpenAPI linters cannot run");
        Path log = work.resolve("npx.log");
        List<String> command = new ArrayList<>(List.of(npx.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly); // node under npx
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        if (!exited) {
            fail(args[1] + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        assertThat(process.exitValue()).as(args[1] + " exit code\n" + output).isZero();
        return output.lines().filter(l -> !l.startsWith("npm ")).reduce("", (a, b) -> a + b + "\n");
    }

}
