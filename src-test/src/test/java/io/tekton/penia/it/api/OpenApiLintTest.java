package io.tekton.penia.it.api;

import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Lints {@code openapi.yaml} with Redocly CLI (its {@code recommended} rules, as the repository's
 * {@code redocly.yaml} sets them) and fails on any error or warning. Needs {@code npx}; skipped
 * only when npx is absent, never when the lint finds problems.
 */
class OpenApiLintTest {
    /** Pinned: the 1.x line runs on Node 20 (the 2.x line wants Node 22). */
    static final String REDOCLY = "@redocly/cli@1.34.5";
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void redoclyLint_reportsNoErrorAndNoWarning(@TempDir Path work) throws Exception {
        Path npx = findOnPath("npx");
        assumeTrue(npx != null, "npx is not installed; Redocly CLI cannot run");
        Path root = Path.of(TestServer.repoRoot());
        Path log = work.resolve("redocly.log");
        Process process = new ProcessBuilder(npx.toString(), "-y", REDOCLY, "lint", "--format", "stylish",
                "--config", root.resolve("redocly.yaml").toString(),
                root.resolve("server/src/main/resources/openapi.yaml").toString())
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
            fail("redocly lint did not finish within " + TIMEOUT_SECONDS + " s");
        }
        assertThat(process.exitValue()).as("redocly lint exit code\n" + output).isZero();
        String lint = output.lines().filter(l -> !l.startsWith("npm ")).reduce("", (a, b) -> a + b + "\n");
        assertThat(lint).as("redocly lint output").contains("Your API description is valid")
                .doesNotContainIgnoringCase("warning").doesNotContainIgnoringCase("error");
    }

    private static Path findOnPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
