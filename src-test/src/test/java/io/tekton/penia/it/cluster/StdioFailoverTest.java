package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.it.support.ChildJvm;
import io.tekton.penia.it.support.PeniaClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 23 (stdio half): {@code mcp-stdio} over PostgreSQL forwards to the leader named in
 * cluster_leader; when that leader dies (SIGKILL) and another instance takes over, the same stdio
 * session goes on: its next calls are answered by the new leader, and a record is booked once.
 */
@Tag("slow")
class StdioFailoverTest {
    Trio trio;
    Process leader;
    McpSyncClient stdio;

    @AfterEach
    void down() {
        if (stdio != null) {
            stdio.closeGracefully();
        }
        if (leader != null) {
            leader.destroyForcibly();
        }
        if (trio != null) {
            trio.close();
        }
    }

    @Test
    void leaderKilled_theSameStdioSession_isAnsweredByTheNewLeader_andBooksOnce() throws Exception {
        trio = new Trio();
        int port = ClusterFailoverTest.freePort();
        String base = "http://127.0.0.1:" + port;
        leader = ClusterFailoverTest.startProcess(trio, port);
        await().atMost(Duration.ofSeconds(60)).until(() -> "leader".equals(ClusterFailoverTest.role(base)));
        trio.add(Map.of());
        await().atMost(Trio.ELECTION).until(() -> base.equals(
                trio.servers.getFirst().get("/health").get("cluster").path("leader").asText()));

        Map<String, String> env = ChildJvm.env(trio.pg.url(trio.db));
        env.put("PENIA_ADMIN_KEY", PeniaClient.ADMIN_KEY);
        List<String> cmd = ChildJvm.javaCommand("mcp-stdio");
        stdio = McpClient.sync(new StdioClientTransport(ServerParameters.builder(cmd.getFirst())
                        .args(cmd.subList(1, cmd.size())).env(env).build(), McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(60)).build();
        stdio.initialize();
        assertThat(stdio.listTools().tools()).extracting(McpSchema.Tool::name).contains("record_usage", "list_budgets");
        assertThat(call("list_budgets", Map.of()).isError()).isFalse();
        String c = uniq("stdio-failover");
        assertThat(record(c).isError()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> trio.ledger(c)[1] == 1);

        leader.destroyForcibly(); // SIGKILL: no handover
        leader.waitFor();
        await().atMost(Duration.ofSeconds(10)).until(() -> "leader".equals(
                ClusterFailoverTest.role(trio.servers.getFirst().base())));

        // The same stdio session: a write, a read and a list, each answered (not an error) by the new leader.
        long sent = System.nanoTime();
        McpSchema.CallToolResult r = record(c);
        assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
        long afterMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(afterMs).as("answered within the failover wait").isLessThan(25_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> trio.ledger(c)[1] == 2); // booked once on the new leader
        McpSchema.CallToolResult status = call("list_budgets", Map.of());
        assertThat(status.isError()).as(String.valueOf(status.content())).isFalse();
        assertThat(stdio.listTools().tools()).isNotEmpty();
        assertThat(trio.servers.getFirst().get("/health").get("mcp").path("sessions").asInt())
                .as("the session was opened again on the new leader").isPositive();
        System.out.println("StdioFailoverTest: first call after the kill answered in " + afterMs + " ms");
    }

    McpSchema.CallToolResult record(String component) {
        return call("record_usage", Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 100, "output_tokens", 10, "cost", 0.25));
    }

    McpSchema.CallToolResult call(String tool, Map<String, Object> args) {
        return stdio.callTool(new McpSchema.CallToolRequest(tool, args));
    }
}
