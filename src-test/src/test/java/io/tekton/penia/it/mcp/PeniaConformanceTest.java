package io.tekton.penia.it.mcp;

import io.tekton.penia.it.support.Executables;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The official conformance suite's generic server scenarios (initialize, ping, tools-list,
 * logging, multiple SSE streams, DNS-rebinding protection) against the real Penia /mcp.
 */
@Tag("slow")
class PeniaConformanceTest {
    @Test
    void genericScenarios_againstRealPenia_noFailedCheck() throws IOException, InterruptedException {
        assumeTrue(Executables.onPath("npx") != null, "npx is not installed; the MCP conformance suite cannot run");
        try (TestServer t = TestServer.start()) {
            Path script = Path.of(TestServer.repoRoot(), "src-test", "conformance", "run-against.sh");
            Process p = new ProcessBuilder("bash", script.toString(), t.base() + "/mcp").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("finished").isTrue();
            System.out.println(out);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).containsPattern("Total: [1-9]\\d* checks passed, 0 failed");
        }
    }

}
