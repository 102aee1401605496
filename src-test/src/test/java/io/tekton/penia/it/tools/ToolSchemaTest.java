package io.tekton.penia.it.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tool definitions tell the truth: every argument the suite sends validates against the
 * tool's declared inputSchema exactly when the server accepts it, every result (MCP and
 * {@code /api/tools/{tool}/execute}) validates against the declared outputSchema and has no
 * undeclared field, the enums are the lists the server enforces, the annotations match what
 * each tool does, and the second text of a result is one human sentence.
 */
class ToolSchemaTest {
    static final Set<String> READ_ONLY = Set.of("get_usage_summary", "recommend_models", "list_budgets",
            "get_budget_status");
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012(),
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    static TestServer t;
    static McpSyncClient client;
    static Map<String, McpSchema.Tool> tools;

    @BeforeAll
    static void up() {
        t = TestServer.start();
        client = t.mcpClient();
        tools = client.listTools().tools().stream().collect(Collectors.toMap(McpSchema.Tool::name, x -> x));
    }

    @AfterAll
    static void down() {
        client.closeGracefully();
        t.close();
    }

    record Call(String tool, Map<String, Object> args, boolean viaRest) {
    }

    static String budget(String component, Map<String, Object> limits) {
        TestServer.Resp r = t.post("/api/v1/budgets", Map.of("name", component, "scope", Map.of("component", component),
                "limits", limits));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    static JsonNode tree(Object o) {
        return Json.mapper().valueToTree(o);
    }

    static List<String> errors(Map<String, Object> schema, Object instance) {
        Schema s = REGISTRY.getSchema(tree(schema));
        return s.validate(tree(instance)).stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    /** Fields of {@code value} that its schema does not declare (objects with properties, arrays, nullable branches). */
    static void undeclared(JsonNode schema, JsonNode value, String path, List<String> out) {
        if (value == null || value.isNull() || schema == null) {
            return;
        }
        if (schema.has("anyOf")) {
            for (JsonNode branch : schema.get("anyOf")) {
                if (!"null".equals(branch.path("type").asText())) {
                    undeclared(branch, value, path, out);
                }
            }
        }
        if (value.isObject() && schema.has("properties")) {
            JsonNode props = schema.get("properties");
            value.fieldNames().forEachRemaining(f -> {
                if (!props.has(f)) {
                    out.add(path + "." + f);
                } else {
                    undeclared(props.get(f), value.get(f), path + "." + f, out);
                }
            });
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                undeclared(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    /** Validates one successful call's arguments and result (MCP, then the REST execute endpoint when asked). */
    static JsonNode callValid(Call c) {
        McpSchema.Tool tool = tools.get(c.tool());
        assertThat(errors(tool.inputSchema(), c.args())).as(c.tool() + " arguments " + c.args()).isEmpty();
        McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(c.tool(), c.args()));
        assertThat(r.isError()).as(c.tool() + ": " + r.content()).isFalse();
        checkResult(tool, r.structuredContent(), c.tool() + " via MCP");
        String sentence = ((McpSchema.TextContent) r.content().get(1)).text();
        assertSentence(c.tool(), sentence);
        if (c.viaRest()) {
            TestServer.Resp rest = t.post("/api/tools/" + c.tool() + "/execute", c.args());
            assertThat(rest.status()).as(rest.raw()).isEqualTo(200);
            checkResult(tool, Json.mapper().convertValue(rest.get("result"), Map.class), c.tool() + " via REST");
        }
        return tree(r.structuredContent());
    }

    static void checkResult(McpSchema.Tool tool, Object result, String what) {
        assertThat(errors(tool.outputSchema(), result)).as(what + " result " + result).isEmpty();
        List<String> extra = new ArrayList<>();
        undeclared(tree(tool.outputSchema()), tree(result), "$", extra);
        assertThat(extra).as(what + ": fields the outputSchema does not declare").isEmpty();
    }

    static void assertSentence(String tool, String s) {
        assertThat(s).as(tool).isNotBlank().doesNotContain("\n").doesNotContain("{").doesNotContain("=")
                .doesNotContain("E+").doesNotContain("null");
        assertThat(Character.isUpperCase(s.charAt(0)) || Character.isDigit(s.charAt(0)) || s.charAt(0) == '$')
                .as(tool + " sentence starts like a sentence: " + s).isTrue();
    }

    @Test
    void everyToolsArgumentsAndResults_validateAgainstTheDeclaredSchemas() {
        String c = "schema-" + UUID.randomUUID();
        String id = budget(c, Map.of("monthly", new BigDecimal("500"), "daily", new BigDecimal("20")));
        String past = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        List<Call> first = List.of(
                new Call("check_budget", Map.of("component", c, "provider", "anthropic", "model", "claude-sonnet-4-5",
                        "estimated_cost", 0.04), true),
                new Call("check_budget", Map.of("component", "nobody-" + UUID.randomUUID(), "estimated_cost", 0.01), true),
                new Call("check_budget", Map.of("component", c, "estimated_cost", 19.99), true),
                new Call("check_budget", Map.of("component", c, "estimated_cost", 10_000), true),
                new Call("record_usage", Map.of("component", c, "provider", "anthropic", "model", "claude-sonnet-4-5",
                        "input_tokens", 2000, "output_tokens", 300, "cached_input_tokens", 500), true),
                new Call("record_usage", Map.of("component", c, "provider", "acme", "model", "no-such-model",
                        "input_tokens", 10, "output_tokens", 10, "timestamp", past), true));
        first.forEach(ToolSchemaTest::callValid);

        JsonNode hold = callValid(new Call("check_budget", Map.of("component", c, "provider", "anthropic",
                "model", "claude-sonnet-4-5", "estimated_input_tokens", 2000, "estimated_output_tokens", 500,
                "reserve", true, "reservation_ttl_seconds", 120), false));
        assertThat(hold.get("reservation_id").asText()).startsWith("res");
        Map<String, Object> settle = new LinkedHashMap<>(Map.of("component", c, "provider", "anthropic",
                "model", "claude-sonnet-4-5", "input_tokens", 2100, "output_tokens", 480, "cost", 0.0135,
                "request_id", "req-" + UUID.randomUUID(), "reservation_id", hold.get("reservation_id").asText(),
                "timestamp", past));
        JsonNode settled = callValid(new Call("record_usage", settle, false));
        assertThat(settled.get("reservation_status").asText()).isEqualTo("settled");
        JsonNode replay = callValid(new Call("record_usage", settle, false));
        assertThat(replay.get("idempotent_replay").asBoolean()).isTrue();

        String start = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS).toString();
        String end = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS).toString();
        List<Call> rest = List.of(
                new Call("get_usage_summary", Map.of(), true),
                new Call("get_usage_summary", Map.of("component", c, "group_by", List.of("model")), true),
                new Call("get_usage_summary", Map.of("period", "daily", "group_by", List.of("day", "provider")), true),
                new Call("get_usage_summary", Map.of("start", start, "end", end, "budget_id", id,
                        "group_by", List.of("hour", "component")), true),
                new Call("recommend_models", Map.of("task_type", "code", "estimated_input_tokens", 4000,
                        "estimated_output_tokens", 800, "current_provider", "anthropic",
                        "current_model", "claude-sonnet-4-5", "limit", 3), true),
                new Call("recommend_models", Map.of("required_capabilities", List.of("function_calling", "vision"),
                        "estimated_input_tokens", 2000, "estimated_output_tokens", 500, "component", c,
                        "max_cost", 0.05), true),
                new Call("recommend_models", Map.of("estimated_input_tokens", 1, "estimated_output_tokens", 1,
                        "max_cost", 0), true),
                new Call("set_alerts", Map.of("budget_id", id, "thresholds", List.of(50, 80), "warning_percent", 80,
                        "stop_percent", 100, "cooldown_seconds", 600, "channels", List.of(
                                Map.of("type", "webhook", "url", "http://127.0.0.1:9/hook", "secret", "s3cret"),
                                Map.of("type", "email", "to", List.of("ops@example.com")))), true),
                new Call("list_budgets", Map.of(), true),
                new Call("list_budgets", Map.of("active", true, "component", c), true),
                new Call("set_alerts", Map.of("budget_id", id, "channels", List.of()), true),
                new Call("get_budget_status", Map.of("budget_id", id), true),
                new Call("get_budget_status", Map.of(), true));
        rest.forEach(ToolSchemaTest::callValid);
        Set<String> called = new HashSet<>();
        first.forEach(x -> called.add(x.tool()));
        rest.forEach(x -> called.add(x.tool()));
        assertThat(called).isEqualTo(tools.keySet());
    }

    @Test
    void argumentsTheSchemaRefuses_theServerRefusesToo_andTheErrorResultValidates() {
        String c = "schema-bad-" + UUID.randomUUID();
        String id = budget(c, Map.of("monthly", new BigDecimal("5")));
        List<Call> bad = List.of(
                new Call("check_budget", Map.of("component", c), true),
                new Call("check_budget", Map.of("component", c, "estimated_input_tokens", 10,
                        "estimated_output_tokens", 10), true),
                new Call("check_budget", Map.of("component", c, "estimated_cost", 1, "reserve", true,
                        "reservation_ttl_seconds", 86_401), true),
                new Call("record_usage", Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                        "input_tokens", 1, "output_tokens", 1, "timestamp", "2026-12-01"), true),
                new Call("record_usage", Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                        "input_tokens", -1, "output_tokens", 1), true),
                new Call("record_usage", Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                        "input_tokens", 1, "output_tokens", 1, "colour", "red"), true),
                new Call("get_usage_summary", Map.of("period", "yearly"), true),
                new Call("get_usage_summary", Map.of("group_by", List.of("planet")), true),
                new Call("get_usage_summary", Map.of("start", "2026-12-01"), true),
                new Call("recommend_models", Map.of("task_type", "poetry", "estimated_input_tokens", 10,
                        "estimated_output_tokens", 10), true),
                new Call("recommend_models", Map.of("required_capabilities", List.of("telepathy"),
                        "estimated_input_tokens", 10, "estimated_output_tokens", 10), true),
                new Call("recommend_models", Map.of("estimated_input_tokens", 10, "estimated_output_tokens", 10,
                        "limit", 101), true),
                new Call("set_alerts", Map.of("budget_id", id, "channels", List.of(Map.of("type", "pager"))), true),
                new Call("set_alerts", Map.of("budget_id", id, "warning_percent", 0), true),
                new Call("list_budgets", Map.of("active", "yes"), true),
                new Call("get_budget_status", Map.of("budget_id", 42), true));
        for (Call b : bad) {
            McpSchema.Tool tool = tools.get(b.tool());
            assertThat(errors(tool.inputSchema(), b.args())).as(b.tool() + " schema refuses " + b.args()).isNotEmpty();
            McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(b.tool(), b.args()));
            assertThat(r.isError()).as(b.tool() + " server refuses " + b.args()).isTrue();
            assertThat(tree(r.structuredContent()).at("/error/code").asText()).as(b.tool())
                    .isIn("invalid_argument", "unknown_field");
            checkResult(tool, r.structuredContent(), b.tool() + " error");
            TestServer.Resp rest = t.post("/api/tools/" + b.tool() + "/execute", b.args());
            assertThat(rest.status()).as(b.tool() + " via REST " + rest.raw()).isEqualTo(400);
        }
        assertThat(t.get("/api/v1/usage/records?component=" + c).body().get("items")).isEmpty();
    }

    @Test
    void enums_areTheListsTheServerEnforces() {
        Map<String, Object> recommend = props("recommend_models");
        assertThat(enumOf(recommend.get("task_type"))).isEqualTo(knownList(Map.of("task_type", "nope",
                "estimated_input_tokens", 1, "estimated_output_tokens", 1)));
        assertThat(enumOf(items(recommend.get("required_capabilities")))).isEqualTo(knownList(Map.of(
                "required_capabilities", List.of("nope"), "estimated_input_tokens", 1, "estimated_output_tokens", 1)));
        Map<String, Object> summary = props("get_usage_summary");
        assertThat(enumOf(summary.get("period"))).containsExactlyInAnyOrder("hourly", "daily", "weekly", "monthly");
        String periodError = errorMessage("get_usage_summary", Map.of("period", "yearly"));
        enumOf(summary.get("period")).forEach(p -> assertThat(periodError).contains(p));
        String groupError = errorMessage("get_usage_summary", Map.of("group_by", List.of("planet")));
        enumOf(items(summary.get("group_by"))).forEach(g -> assertThat(groupError).contains(g));
        assertThat(enumOf(items(summary.get("group_by")))).hasSize(6);
    }

    @Test
    void checkBudget_requiresACostOrTokenEstimates_inItsSchemaAndDescription() {
        Map<String, Object> in = tools.get("check_budget").inputSchema();
        assertThat(errors(in, Map.of("component", "x", "estimated_cost", 1))).isEmpty();
        assertThat(errors(in, Map.of("component", "x", "model", "gpt-4o", "estimated_input_tokens", 1,
                "estimated_output_tokens", 1))).isEmpty();
        assertThat(errors(in, Map.of("component", "x", "model", "gpt-4o", "estimated_input_tokens", 1))).isNotEmpty();
        assertThat(errors(in, Map.of("component", "x"))).isNotEmpty();
        assertThat(in).doesNotContainKeys("anyOf", "oneOf", "allOf"); // refused at the top level by the Anthropic API
        assertThat(tools.get("check_budget").description()).contains("estimated_cost")
                .contains("both estimated_input_tokens and estimated_output_tokens").contains("required");
        Map<String, Object> ttl = cast(props("check_budget").get("reservation_ttl_seconds"));
        assertThat(ttl).containsEntry("default", 600).containsEntry("maximum", 86400);
        assertThat(cast(props("recommend_models").get("limit"))).containsEntry("default", 10)
                .containsEntry("maximum", 100);
        Map<String, Object> ts = cast(props("record_usage").get("timestamp"));
        assertThat(ts).containsEntry("format", "date-time").containsKey("examples");
    }

    @Test
    @SuppressWarnings("unchecked")
    void annotations_andDescriptions_sayWhatEachToolDoes() throws Exception {
        for (McpSchema.Tool tool : tools.values()) {
            McpSchema.ToolAnnotations a = tool.annotations();
            assertThat(tool.title()).as(tool.name()).isNotBlank().isNotEqualTo(tool.name()).isEqualTo(a.title());
            boolean reads = READ_ONLY.contains(tool.name());
            assertThat(a.readOnlyHint()).as(tool.name()).isEqualTo(reads);
            if (reads) {
                assertThat(a.idempotentHint()).as(tool.name()).isTrue();
            }
            assertThat(a.destructiveHint()).as(tool.name()).isEqualTo(tool.name().equals("set_alerts"));
            assertThat(a.openWorldHint()).as(tool.name()).isFalse();
            // One example call each, whose arguments the tool's own schema accepts.
            Matcher m = Pattern.compile("Example: (\\{.*?}) -> ", Pattern.DOTALL).matcher(tool.description());
            assertThat(m.find()).as(tool.name() + " has an example: " + tool.description()).isTrue();
            Map<String, Object> example = Json.mapper().readValue(m.group(1), Map.class);
            assertThat(errors(tool.inputSchema(), example)).as(tool.name() + " example " + example).isEmpty();
            assertThat(tool.description()).as(tool.name()).contains("Answer").containsAnyOf("USD", "tokens", "percent", "seconds");
        }
        assertThat(tools.get("set_alerts").description()).contains("channels:[] deletes every channel");
        assertThat(tools.get("set_alerts").annotations().idempotentHint()).isTrue();
    }

    @Test
    void everySchemaNode_isTyped_andRestAndHermesListTheSameDefinitions() {
        for (McpSchema.Tool tool : tools.values()) {
            List<String> untyped = new ArrayList<>();
            typed(tree(tool.inputSchema()), tool.name() + ".inputSchema", untyped);
            typed(tree(tool.outputSchema()), tool.name() + ".outputSchema", untyped);
            assertThat(untyped).as("schema nodes that constrain nothing").isEmpty();
            assertThat(tree(tool.inputSchema()).toString()).as(tool.name()).doesNotContain("\"type\":[");
        }
        JsonNode listed = t.get("/api/tools").get("tools");
        assertThat(listed).hasSize(tools.size());
        for (JsonNode x : listed) {
            McpSchema.Tool tool = tools.get(x.get("name").asText());
            assertThat(x.get("input_schema")).isEqualTo(tree(tool.inputSchema()));
            assertThat(x.get("output_schema")).isEqualTo(tree(tool.outputSchema()));
            assertThat(x.get("title").asText()).isEqualTo(tool.title());
            assertThat(x.at("/annotations/readOnlyHint").asBoolean()).isEqualTo(tool.annotations().readOnlyHint());
            assertThat(x.at("/annotations/destructiveHint").asBoolean())
                    .isEqualTo(tool.annotations().destructiveHint());
        }
    }

    @Test
    void secondText_isOneHumanSentence() {
        String c = "sentence-" + UUID.randomUUID();
        String id = budget(c, Map.of("monthly", new BigDecimal("412.34")));
        McpSchema.CallToolResult check = client.callTool(new McpSchema.CallToolRequest("check_budget", Map.of(
                "component", c, "provider", "anthropic", "model", "claude-sonnet-4-5", "estimated_cost", 0.04)));
        assertThat(text(check)).isEqualTo("Allowed: $0.04 on anthropic/claude-sonnet-4-5 leaves $412.30 of the "
                + "monthly limit of budget " + id);
        McpSchema.CallToolResult blocked = client.callTool(new McpSchema.CallToolRequest("check_budget", Map.of(
                "component", c, "estimated_cost", 500)));
        assertThat(text(blocked)).startsWith("Blocked: $500.00 for " + c + ": ");
        McpSchema.CallToolResult rec = client.callTool(new McpSchema.CallToolRequest("record_usage", Map.of(
                "component", c, "provider", "openai", "model", "gpt-4o", "input_tokens", 2000, "output_tokens", 300,
                "cost", 12.5)));
        assertThat(text(rec)).startsWith("Recorded $12.50 for openai/gpt-4o (2,000 in + 300 out tokens) by " + c
                + " (cost as reported); record rec");
        McpSchema.CallToolResult sum = client.callTool(new McpSchema.CallToolRequest("get_usage_summary", Map.of(
                "component", c, "group_by", List.of("model"))));
        assertThat(text(sum)).startsWith("$12.50 over 1 call (2,000 input + 300 output tokens) from ")
                .endsWith("1 group by model, the largest gpt-4o at $12.50");
        McpSchema.CallToolResult status = client.callTool(new McpSchema.CallToolRequest("get_budget_status",
                Map.of("budget_id", id)));
        assertThat(text(status)).isEqualTo("Budget " + id + ": monthly $12.50 of $412.34 spent (3.03%), $399.84 left");
        McpSchema.CallToolResult alerts = client.callTool(new McpSchema.CallToolRequest("set_alerts", Map.of(
                "budget_id", id, "thresholds", List.of(50, 80), "warning_percent", 80, "stop_percent", 100,
                "cooldown_seconds", 600)));
        assertThat(text(alerts)).isEqualTo("Alerts of budget " + id
                + ": thresholds 50%, 80%; warning at 80%, stop at 100%; cooldown 600 s; no channel");
        McpSchema.CallToolResult list = client.callTool(new McpSchema.CallToolRequest("list_budgets",
                Map.of("component", c)));
        assertThat(text(list)).isEqualTo("1 budget: " + id + " (monthly $412.34)");
        McpSchema.CallToolResult recs = client.callTool(new McpSchema.CallToolRequest("recommend_models", Map.of(
                "estimated_input_tokens", 1000, "estimated_output_tokens", 100, "current_model", "gpt-4o",
                "current_provider", "openai", "limit", 2)));
        assertThat(text(recs)).matches("Best fit: \\S+/\\S+ at \\$[0-9.,]+ per call, \\$[0-9.,]+ less than gpt-4o"
                + " \\(2 models ranked\\)");
    }

    static String text(McpSchema.CallToolResult r) {
        assertThat(r.content()).hasSize(2);
        String s = ((McpSchema.TextContent) r.content().get(1)).text();
        assertSentence("sentence", s);
        return s;
    }

    static Map<String, Object> props(String tool) {
        return cast(tools.get(tool).inputSchema().get("properties"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    static Object items(Object arraySchema) {
        return cast(arraySchema).get("items");
    }

    @SuppressWarnings("unchecked")
    static Set<String> enumOf(Object schema) {
        return new TreeSet<>((List<String>) cast(schema).get("enum"));
    }

    static String errorMessage(String tool, Map<String, Object> args) {
        McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(tool, args));
        assertThat(r.isError()).isTrue();
        return tree(r.structuredContent()).at("/error/message").asText();
    }

    /** The "(known: a, b, c)" list of a refusal. */
    static Set<String> knownList(Map<String, Object> args) {
        String message = errorMessage("recommend_models", args);
        Matcher m = Pattern.compile("\\(known: ([^)]*)\\)").matcher(message);
        assertThat(m.find()).as(message).isTrue();
        return Arrays.stream(m.group(1).split(",\\s*")).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Schema nodes with no validation keyword (the Inspector's "untyped-schema" rule). */
    static void typed(JsonNode node, String path, List<String> out) {
        Set<String> constraining = Set.of("type", "enum", "const", "anyOf", "oneOf", "allOf", "not", "required",
                "properties", "items", "$ref");
        if (node.isObject()) {
            boolean ok = false;
            for (String k : constraining) {
                ok |= node.has(k);
            }
            if (!ok) {
                out.add(path);
            }
            node.path("properties").fields().forEachRemaining(e -> typed(e.getValue(), path + "." + e.getKey(), out));
            if (node.has("items")) {
                typed(node.get("items"), path + ".items", out);
            }
            for (String k : List.of("anyOf", "oneOf", "allOf")) {
                for (JsonNode b : node.path(k)) {
                    typed(b, path + "." + k, out);
                }
            }
        }
    }
}
