package io.tekton.penia.it.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The budget tools through the official MCP SDK client, over Streamable HTTP and stdio. */
class PeniaMcpTest {
    static final Set<String> TOOLS = Set.of("check_budget", "get_usage_summary", "recommend_models", "set_alerts",
            "record_usage", "list_budgets", "get_budget_status");
    static TestServer t;
    static McpSyncClient client;

    @BeforeAll
    static void up() {
        t = TestServer.start();
        client = http();
    }

    @AfterAll
    static void down() {
        client.closeGracefully();
        t.close();
    }

    static McpSyncClient http() {
        return t.mcpClient();
    }

    static JsonNode structured(McpSchema.CallToolResult r) {
        return Json.mapper().valueToTree(r.structuredContent());
    }

    static McpSchema.CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
        return c.callTool(new McpSchema.CallToolRequest(tool, args));
    }

    static String budget(String component, String monthly) {
        TestServer.Resp r = t.post("/api/v1/budgets", Map.of("name", component, "scope", Map.of("component", component),
                "limits", Map.of("monthly", new BigDecimal(monthly))));
        assertThat(r.status()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    @Test
    void listTools_hasEveryBudgetTool_withInputAndOutputSchemas() {
        List<McpSchema.Tool> tools = client.listTools().tools();
        assertThat(tools.stream().map(McpSchema.Tool::name).collect(Collectors.toSet())).containsAll(TOOLS);
        for (McpSchema.Tool tool : tools) {
            assertThat(tool.inputSchema()).containsEntry("type", "object");
            assertThat(tool.outputSchema()).containsEntry("type", "object");
            assertThat(tool.description()).isNotBlank();
        }
        McpSchema.Tool record = tools.stream().filter(x -> x.name().equals("record_usage")).findFirst().orElseThrow();
        assertThat(String.valueOf(record.inputSchema().get("required"))).contains("component", "provider", "model", "input_tokens", "output_tokens");
    }

    @Test
    void recordUsageViaMcp_isReadableViaRest() throws Exception {
        String c = "mcp-rec-" + UUID.randomUUID();
        String id = budget(c, "10");
        McpSchema.CallToolResult r = call(client, "record_usage", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1000, "output_tokens", 100, "cost", 0.25));
        assertThat(r.isError()).isFalse();
        assertThat(structured(r).get("cost").decimalValue()).isEqualByComparingTo("0.25");
        // The first text is the structured content as JSON (for clients that read only text), the second a summary.
        assertThat(Json.mapper().readTree(((McpSchema.TextContent) r.content().getFirst()).text()))
                .isEqualTo(structured(r));
        assertThat(((McpSchema.TextContent) r.content().get(1)).text()).startsWith("Recorded $0.25 for openai/gpt-4o");
        JsonNode summary = t.get("/api/v1/budgets/" + id + "/summary").body();
        assertThat(summary.get("periods").get("monthly").get("spent").decimalValue()).isEqualByComparingTo("0.25");
        JsonNode rows = t.get("/api/v1/usage/records?component=" + c).body().get("items");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("record_id").asText()).isEqualTo(structured(r).get("record_id").asText());
    }

    @Test
    void setAlertsViaMcp_isReadableViaRest_andSecretIsNeverEchoed() {
        String c = "mcp-alerts-" + UUID.randomUUID();
        String id = budget(c, "10");
        McpSchema.CallToolResult r = call(client, "set_alerts", Map.of("budget_id", id, "thresholds", List.of(50, 75),
                "warning_percent", 60, "stop_percent", 90, "cooldown_seconds", 120,
                "channels", List.of(Map.of("type", "webhook", "url", "http://127.0.0.1:9/hook", "secret", "s3cr3t-value"))));
        assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
        assertThat(r.toString()).doesNotContain("s3cr3t-value");
        JsonNode rest = t.get("/api/v1/budgets/" + id + "/alerts").body();
        assertThat(rest.get("thresholds").toString()).isEqualTo("[50,75]");
        assertThat(rest.get("warning_percent").asInt()).isEqualTo(60);
        assertThat(rest.get("stop_percent").asInt()).isEqualTo(90);
        assertThat(rest.get("cooldown_seconds").asInt()).isEqualTo(120);
        assertThat(rest.toString()).doesNotContain("s3cr3t-value").contains("\"has_secret\":true");
    }

    @Test
    void everyTool_answers_withStructuredContent() {
        String c = "mcp-all-" + UUID.randomUUID();
        String id = budget(c, "5");
        Map<String, Map<String, Object>> args = new HashMap<>();
        args.put("check_budget", Map.of("component", c, "estimated_cost", 0.5, "reserve", true));
        args.put("record_usage", Map.of("component", c, "provider", "anthropic", "model", "claude-sonnet-4-5",
                "input_tokens", 2000, "output_tokens", 300));
        args.put("get_usage_summary", Map.of("component", c, "group_by", List.of("model")));
        args.put("recommend_models", Map.of("required_capabilities", List.of("function_calling"),
                "estimated_input_tokens", 2000, "estimated_output_tokens", 500, "current_provider", "openai",
                "current_model", "gpt-4o", "component", c));
        args.put("set_alerts", Map.of("budget_id", id, "thresholds", List.of(70, 90)));
        args.put("list_budgets", Map.of("component", c));
        args.put("get_budget_status", Map.of("budget_id", id));
        for (String tool : TOOLS) {
            McpSchema.CallToolResult r = call(client, tool, args.get(tool));
            assertThat(r.isError()).as(tool + ": " + r.content()).isFalse();
            assertThat(r.structuredContent()).as(tool).isNotNull();
        }
        JsonNode check = structured(call(client, "check_budget", Map.of("component", c, "estimated_cost", 0.1)));
        assertThat(check.get("decision").asText()).isEqualTo("allow");
        JsonNode recs = structured(call(client, "recommend_models", args.get("recommend_models")));
        assertThat(recs.get("recommendations").size()).isGreaterThan(0);
        JsonNode summary = structured(call(client, "get_usage_summary", Map.of("component", c)));
        assertThat(summary.get("count").asLong()).isEqualTo(1);
        assertThat(summary.get("total_cost").decimalValue()).isPositive();
        JsonNode status = structured(call(client, "get_budget_status", Map.of("budget_id", id)));
        assertThat(status.get("periods").get("monthly").get("reserved").decimalValue()).isEqualByComparingTo("0.5");
    }

    @Test
    void invalidArguments_giveIsErrorResults_neverAProtocolFault() throws Exception {
        String c = "mcp-bad-" + UUID.randomUUID();
        budget(c, "1");
        Map<String, Map<String, Object>> bad = new java.util.LinkedHashMap<>();
        bad.put("check_budget", Map.of("estimated_cost", 1));
        bad.put("record_usage", Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                "input_tokens", -5, "output_tokens", 1));
        bad.put("get_usage_summary", Map.of("group_by", List.of("planet")));
        bad.put("recommend_models", Map.of("estimated_input_tokens", "lots", "estimated_output_tokens", 10));
        bad.put("set_alerts", Map.of("budget_id", "no-such-budget"));
        bad.put("list_budgets", Map.of("active", "yes"));
        bad.put("get_budget_status", Map.of("budget_id", "no-such-budget"));
        for (Map.Entry<String, Map<String, Object>> e : bad.entrySet()) {
            McpSchema.CallToolResult r = call(client, e.getKey(), e.getValue());
            assertThat(r.isError()).as(e.getKey()).isTrue();
            assertThat(structured(r).has("error")).as(e.getKey() + ": " + r).isTrue();
            assertThat(structured(r).get("error").get("code").asText()).as(e.getKey())
                    .isIn("invalid_argument", "not_found", "unknown_field");
            assertThat(Json.mapper().readTree(((McpSchema.TextContent) r.content().getFirst()).text()))
                    .as(e.getKey()).isEqualTo(structured(r));
        }
        McpSchema.CallToolResult blocked = call(client, "check_budget", Map.of("component", c, "estimated_cost", 5));
        assertThat(structured(blocked).get("decision").asText()).isEqualTo("block");
        assertThat(t.get("/api/v1/usage/records?component=" + c).body().get("items")).isEmpty();
        assertThat(t.get("/health").status()).isEqualTo(200);
    }

    @Test
    void promptAndResource_carryTheLiveStatus() {
        String c = "mcp-prompt-" + UUID.randomUUID();
        budget(c, "7");
        McpSchema.GetPromptResult p = client.getPrompt(new McpSchema.GetPromptRequest("budget_management", Map.of()));
        String text = ((McpSchema.TextContent) p.messages().getFirst().content()).text();
        assertThat(text).contains(c).contains("$7.00");
        McpSchema.ReadResourceResult rr = client.readResource(new McpSchema.ReadResourceRequest("penia://budgets/status"));
        assertThat(((McpSchema.TextResourceContents) rr.contents().getFirst()).text()).contains(c);
        assertThat(t.get("/api/v1/assistant/context").get("system_prompt").asText()).contains(c);
    }

    @Test
    void fiftyConcurrentSessions_eachRecord_andAllRowsAreLedgered() throws Exception {
        String c = "mcp-50-" + UUID.randomUUID();
        budget(c, "100");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<String>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fs.add(pool.submit(() -> {
                McpSyncClient s = http();
                try {
                    McpSchema.CallToolResult r = call(s, "record_usage", Map.of("component", c, "provider", "openai",
                            "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", 0.01));
                    return structured(r).get("record_id").asText();
                } finally {
                    s.closeGracefully();
                }
            }));
        }
        Set<String> ids = new java.util.HashSet<>();
        for (Future<String> f : fs) {
            ids.add(f.get());
        }
        pool.shutdown();
        assertThat(ids).hasSize(50);
        assertThat(t.post("/api/v1/usage/summary", Map.of("component", c)).get("total_cost").decimalValue())
                .isEqualByComparingTo("0.50");
    }

    @Test
    void toolExecuteEndpoint_changesTheLedgerAsTheMcpCallWould() {
        String c = "exec-" + UUID.randomUUID();
        budget(c, "3");
        TestServer.Resp r = t.post("/api/tools/penia_record_usage/execute", Map.of("parameters", Map.of("component", c,
                "provider", "openai", "model", "gpt-4o", "input_tokens", 10, "output_tokens", 10, "cost", 0.3)));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("result").get("cost").decimalValue()).isEqualByComparingTo("0.3");
        TestServer.Resp direct = t.post("/api/tools/record_usage/execute", Map.of("component", c,
                "provider", "openai", "model", "gpt-4o", "input_tokens", 10, "output_tokens", 10, "cost", 0.2));
        assertThat(direct.status()).isEqualTo(200);
        assertThat(t.post("/api/v1/usage/summary", Map.of("component", c)).get("total_cost").decimalValue())
                .isEqualByComparingTo("0.5");
        TestServer.Resp bad = t.post("/api/tools/record_usage/execute", Map.of("component", c));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.get("error").get("code").asText()).isEqualTo("invalid_argument");
        assertThat(t.post("/api/tools/nope/execute", Map.of()).status()).isEqualTo(404);
    }

    @Tag("slow")
    @Test
    void stdio_servesTheSameTools_andLogsNothingOnStdout() throws Exception {
        Path dir = Files.createTempDirectory("penia-stdio");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerParameters params = ServerParameters.builder(java)
                .args("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        "io.tekton.penia.server.Main", "mcp-stdio")
                .env(Map.of("PENIA_DB", dir.resolve("stdio.db").toString(), "PENIA_HERMES", "off",
                        "PENIA_CONFIG", Path.of(TestServer.repoRoot(), "config", "penia.yaml").toString()))
                .build();
        StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        McpSyncClient s = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).build();
        try {
            s.initialize();
            assertThat(s.listTools().tools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet()))
                    .containsAll(TOOLS);
            McpSchema.CallToolResult r = call(s, "record_usage", Map.of("component", "stdio", "provider", "openai",
                    "model", "gpt-4o", "input_tokens", 100, "output_tokens", 10));
            assertThat(r.isError()).isFalse();
            JsonNode sum = structured(call(s, "get_usage_summary", Map.of("component", "stdio")));
            assertThat(sum.get("count").asLong()).isEqualTo(1);
            JsonNode budgets = structured(call(s, "list_budgets", Map.of()));
            assertThat(budgets.get("count").asInt()).isEqualTo(5); // the shipped seed
        } finally {
            s.closeGracefully();
        }
    }
}
