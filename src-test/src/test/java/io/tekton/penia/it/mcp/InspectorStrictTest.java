package io.tekton.penia.it.mcp;

import io.tekton.penia.it.support.Executables;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The official MCP Inspector CLI lists Penia's tools with {@code --strict}, which reports every
 * tool-schema portability problem (path, issue, suggested fix) and exits 6 on an error: the
 * list must come back with no problem at all, neither error nor warning.
 *
 * <p>Needs {@code npx} (Node 22 is fetched by npx itself, as for {@link ConformanceSuiteTest});
 * skipped only when npx is absent.
 */
@Tag("slow")
class InspectorStrictTest {
    private static final String INSPECTOR = "@modelcontextprotocol/inspector@2.12.0";
    private static final long TIMEOUT_SECONDS = 300;

    @Test
    void inspectorStrict_toolsList_reportsNoProblem(@TempDir Path work) throws Exception {
        Path npx = Executables.onPath("npx");
        assumeTrue(npx != null, "npx is not installed; the MCP Inspector cannot run");
        try (TestServer t = TestServer.start()) {
            Path out = work.resolve("stdout.json");
            Path err = work.resolve("stderr.log");
            Process p = new ProcessBuilder(npx.toString(), "-y", "-p", "node@22", "-p", INSPECTOR, "--",
                    "mcp-inspector", "--cli", t.base() + "/mcp", "--transport", "http", "--method", "tools/list",
                    "--strict")
                    .directory(work.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean exited = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("npm warn")).reduce("", (a, b) -> a + b + "\n");
            System.out.println("Inspector --strict stderr:\n" + stderr);
            if (!exited) {
                fail("the Inspector did not finish within " + TIMEOUT_SECONDS + " s");
            }
            assertThat(stdout).as("the tool list").contains("\"check_budget\"", "\"set_alerts\"");
            // With --strict each problem is "Warning: tool …" or "Error: tool …" with its path, issue and fix,
            // then "N errors, M warnings across K tools."; nothing at all when there is none.
            assertThat(stderr.lines().filter(l -> l.matches("(Warning|Error): tool .*")
                    || l.matches("\\d+ errors?, \\d+ warnings? .*"))).as("problems the Inspector reported:\n" + stderr)
                    .isEmpty();
            assertThat(p.exitValue()).as("Inspector exit code").isZero();
        }
    }

}
