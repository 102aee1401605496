package io.tekton.penia.it.api;

import io.tekton.penia.it.support.Npx;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lints {@code openapi.yaml} with Redocly CLI (its {@code recommended} rules, as the repository's
 * {@code redocly.yaml} sets them) and with Spectral ({@code spectral:oas}), and fails on any error
 * or warning. Needs {@code npx}; skipped only when npx is absent, never when a lint finds problems.
 */
@Tag("slow")
class OpenApiLintTest {
    /** Pinned, so that a new release cannot change the rules under the build (Node 20 runs it). */
    static final String REDOCLY = "@redocly/cli@1.34.5";
    static final String SPECTRAL = "@stoplight/spectral-cli@6.16.3";
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void redoclyLint_reportsNoErrorAndNoWarning(@TempDir Path work) throws Exception {
        String output = lint(work, REDOCLY, "--config", "redocly.yaml", "--format", "stylish");
        assertThat(output).as("redocly lint output").contains("Your API description is valid")
                .doesNotContainIgnoringCase("warning").doesNotContainIgnoringCase("error");
    }

    /** Spectral's OpenAPI rules ({@code spectral:oas}, the repository's {@code .spectral.yaml}): no problem of any severity. */
    @Test
    void spectralLint_reportsNoProblem(@TempDir Path work) throws Exception {
        String output = lint(work, SPECTRAL, "--ruleset", ".spectral.yaml", "--fail-severity", "hint");
        assertThat(output).as("spectral lint output").contains("No results with a severity of 'hint' or higher found");
    }

    /** Runs {@code linter} on openapi.yaml with the repository's configuration file and {@code options}. */
    private static String lint(Path work, String linter, String configOption, String configFile, String... options)
            throws Exception {
        Path root = Path.of(TestServer.repoRoot());
        List<String> args = new ArrayList<>(List.of("-y", linter, "lint"));
        args.addAll(List.of(options));
        args.addAll(List.of(configOption, root.resolve(configFile).toString(),
                root.resolve("server/src/main/resources/openapi.yaml").toString()));
        return npx(work, args.toArray(String[]::new));
    }

    /** Runs npx with a bounded time; fails unless it exits 0; answers its output without npm's own lines. */
    private static String npx(Path work, String... args) throws Exception {
        Npx.assumeInstalled("the OpenAPI linters");
        Npx.Result run = Npx.run(work, args[1], TIMEOUT_SECONDS, args);
        assertThat(run.exitCode()).as(args[1] + " exit code\n" + run.output()).isZero();
        return run.output().lines().filter(l -> !l.startsWith("npm ")).reduce("", (a, b) -> a + b + "\n");
    }
}
