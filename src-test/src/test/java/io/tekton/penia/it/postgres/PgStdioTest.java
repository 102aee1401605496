package io.tekton.penia.it.postgres;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.ChildJvm;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code penia mcp-stdio} with a PostgreSQL PENIA_DB (issue 23): there is no file to own, so stdio
 * forwards to the current leader's {@code /mcp} (its URL from the cluster_leader row) and fails
 * clearly when no leader is known.
 */
@Tag("slow")
class PgStdioTest {
    static final String ADMIN_KEY = "it-pg-stdio-admin-" + java.util.UUID.randomUUID();

    static Map<String, String> env(String pgUrl) {
        Map<String, String> env = ChildJvm.env(pgUrl);
        env.put("PENIA_PORT", "0");
        env.put("PENIA_ADMIN_KEY", ADMIN_KEY);
        return env;
    }

    @Test
    void stdio_onPostgres_forwardsToTheLeader_andTheRecordIsInItsLedger() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (TestServer t = TestServer.start(Map.of("PENIA_DB", pg.url(db), "PENIA_ADMIN_KEY", ADMIN_KEY))) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> PgBackendTest.sqlLong(pg, db,
                            "SELECT COUNT(*) FROM cluster_leader WHERE id = 1 AND url IS NOT NULL") == 1);
            List<String> cmd = ChildJvm.javaCommand("mcp-stdio");
            McpSyncClient s = McpClient.sync(new StdioClientTransport(ServerParameters.builder(cmd.getFirst())
                            .args(cmd.subList(1, cmd.size())).env(env(pg.url(db))).build(), McpJsonDefaults.getMapper()))
                    .requestTimeout(Duration.ofSeconds(60)).build();
            try {
                s.initialize();
                McpSchema.CallToolResult r = s.callTool(new McpSchema.CallToolRequest("record_usage",
                        Map.of("component", "pg-stdio", "provider", "openai", "model", "gpt-4o",
                                "input_tokens", 100, "output_tokens", 10, "cost", 0.25)));
                assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
            } finally {
                s.closeGracefully();
            }
            // The leader's ledger has the record: in PostgreSQL and in its summary.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> PgBackendTest.sqlLong(pg, db,
                            "SELECT COUNT(*) FROM usage_records WHERE component = 'pg-stdio'") == 1);
            TestServer.Resp sum = t.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(t.base() + "/api/v1/usage/summary"))
                    .header("Content-Type", "application/json").header("X-API-Key", ADMIN_KEY)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"component\":\"pg-stdio\"}")));
            assertThat(sum.get("total_cost").decimalValue()).isEqualByComparingTo("0.25");
            assertThat(sum.get("count").asLong()).isEqualTo(1);
        }
    }

    @Test
    void stdio_onPostgres_withoutALeader_exitsNonZeroSayingSo() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.javaCommand("mcp-stdio"));
        pb.environment().putAll(env(pg.url(db)));
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("stderr: %s", err).isNotZero();
            assertThat(err).contains("no Penia leader");
            assertThat(out).isEmpty();
        } catch (IOException e) {
            throw e;
        } finally {
            p.destroyForcibly();
        }
    }
}
