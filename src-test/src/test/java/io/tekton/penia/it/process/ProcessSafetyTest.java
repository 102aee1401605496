package io.tekton.penia.it.process;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.ChildJvm;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One process owns a database file (issue 18, item 6): a second server refuses it naming the
 * owner, {@code mcp-stdio} forwards to the server that owns it, and stdio exits when its stdin
 * closes.
 */
@Tag("slow")
class ProcessSafetyTest {
    static final long PID = ProcessHandle.current().pid();
    /** Blocking reads of a child's pipes each on a thread of their own (the common pool may have one thread). */
    static final java.util.concurrent.Executor OWN_THREAD = r -> Thread.ofVirtual().start(r);

    static Map<String, String> env(Path db) {
        Map<String, String> env = ChildJvm.env(db.toString());
        env.put("PENIA_PORT", "0");
        return env;
    }

    static Process start(String command, Path db) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.javaCommand(command));
        pb.environment().remove("PENIA_ADMIN_KEY");
        pb.environment().putAll(env(db));
        return pb.start();
    }

    static Map<String, Object> usage(String component, double cost) {
        return Map.of("component", component, "provider", "openai", "model", "gpt-4o", "input_tokens", 100,
                "output_tokens", 10, "cost", cost);
    }

    @Test
    void aSecondServerInThisProcess_onTheSameFile_refusesNamingTheFileAndTheOwner() {
        try (TestServer t = TestServer.start()) {
            assertThatThrownBy(() -> TestServer.start(Map.of("PENIA_DB", t.dbFile().toString())).close())
                    .hasMessageContaining(t.dbFile().toString())
                    .hasMessageContaining("pid " + PID);
            // The owner is unharmed and still records.
            assertThat(t.post("/api/v1/usage/record", usage("owner", 0.1)).status()).isEqualTo(201);
        }
    }

    @Test
    void aSecondServeProcess_onTheSameFile_exitsNamingTheFileAndTheOwnersPid() throws Exception {
        try (TestServer t = TestServer.start()) {
            Process p = start("serve", t.dbFile());
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), OWN_THREAD);
            try {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("second serve exits").isTrue();
                assertThat(p.exitValue()).isNotZero();
                assertThat(err.get(10, TimeUnit.SECONDS)).contains(t.dbFile().toString()).contains("pid " + PID)
                        .contains(t.base());
            } finally {
                p.destroyForcibly();
            }
            assertThat(t.post("/api/v1/usage/record", usage("owner", 0.1)).status()).isEqualTo(201);
        }
    }

    @Test
    void stdio_whileAServerOwnsTheFile_forwardsToIt_sameToolsSameLedger() throws Exception {
        try (TestServer t = TestServer.start()) {
            ServerParameters params = ServerParameters.builder(ChildJvm.javaCommand("mcp-stdio").getFirst())
                    .args(ChildJvm.javaCommand("mcp-stdio").subList(1, ChildJvm.javaCommand("mcp-stdio").size()))
                    .env(env(t.dbFile()))
                    .build();
            McpSyncClient s = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                    .requestTimeout(Duration.ofSeconds(60)).build();
            try {
                s.initialize();
                McpSchema.CallToolResult r = s.callTool(new McpSchema.CallToolRequest("record_usage",
                        usage("stdio-fwd", 0.25)));
                assertThat(r.isError()).isFalse();
                // The server's own counters and ledger have it ...
                TestServer.Resp sum = t.post("/api/v1/usage/summary", Map.of("component", "stdio-fwd"));
                assertThat(sum.get("total_cost").decimalValue()).isEqualByComparingTo("0.25");
                assertThat(t.get("/api/v1/usage/records?component=stdio-fwd").get("items")).hasSize(1);
                // ... REST keeps recording (it answered 503 forever once stdio had written) ...
                assertThat(t.post("/api/v1/usage/record", usage("stdio-fwd", 0.5)).status()).isEqualTo(201);
                // ... and stdio sees what REST recorded.
                JsonNode viaStdio = Json.mapper().valueToTree(s.callTool(new McpSchema.CallToolRequest(
                        "get_usage_summary", Map.of("component", "stdio-fwd"))).structuredContent());
                assertThat(viaStdio.get("count").asLong()).isEqualTo(2);
                assertThat(t.get("/health").get("ledger").get("writer_failures").asLong()).isZero();
            } finally {
                s.closeGracefully();
            }
        }
    }

    @Test
    void stdio_forwarding_presentsTheAdminKeyOfItsEnvironment() throws Exception {
        String key = "stdio-admin-key-0123456789";
        try (TestServer t = TestServer.start(Map.of("PENIA_ADMIN_KEY", key))) {
            Map<String, String> env = env(t.dbFile());
            env.put("PENIA_ADMIN_KEY", key);
            List<String> cmd = ChildJvm.javaCommand("mcp-stdio");
            McpSyncClient s = McpClient.sync(new StdioClientTransport(ServerParameters.builder(cmd.getFirst())
                            .args(cmd.subList(1, cmd.size())).env(env).build(), McpJsonDefaults.getMapper()))
                    .requestTimeout(Duration.ofSeconds(60)).build();
            try {
                s.initialize();
                assertThat(s.callTool(new McpSchema.CallToolRequest("record_usage", usage("stdio-key", 0.5))).isError())
                        .isFalse();
            } finally {
                s.closeGracefully();
            }
            TestServer.Resp sum = t.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(t.base() + "/api/v1/usage/summary"))
                    .header("Content-Type", "application/json").header("X-API-Key", key)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"component\":\"stdio-key\"}")));
            assertThat(sum.get("total_cost").decimalValue()).isEqualByComparingTo("0.5");
        }
    }

    @Test
    void stdio_onItsOwnFile_exitsWhenStdinCloses() throws Exception {
        Path dir = Files.createTempDirectory("penia-stdio-eof");
        assertExitsOnStdinClose(start("mcp-stdio", dir.resolve("own.db")));
    }

    @Test
    void stdio_forwardingToAServer_exitsWhenStdinCloses() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertExitsOnStdinClose(start("mcp-stdio", t.dbFile()));
        }
    }

    /** Initializes over stdin/stdout, closes stdin, and expects the process to end within seconds. */
    static void assertExitsOnStdinClose(Process p) throws Exception {
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), OWN_THREAD);
        try {
            OutputStream in = p.getOutputStream();
            in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            in.flush();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }, OWN_THREAD).get(120, TimeUnit.SECONDS);
            assertThat(line).as("initialize answered; stderr: %s", err.getNow("")).contains("\"id\":1")
                    .contains("protocolVersion");
            in.close();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("exits after stdin closed").isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    static String drain(java.io.InputStream s) {
        try {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
