package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.enc;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code task_type} as a usage dimension (issue 21 item 2), as Tekton's records carry it:
 * optional on record, check and the MCP tools (default {@code "default"}), stored and returned,
 * a filter and a group of listings and summaries, and a scope field of budgets.
 */
@PeniaServerTest
class TaskTypeTest {
    static final String CHECK = "/api/v1/budget-alerts/unified/check-operation";
    static TestServer t;

    static Map<String, Object> usage(String component, String taskType, String cost) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("component", component);
        body.put("provider", "openai");
        body.put("model", "gpt-4o");
        if (taskType != null) {
            body.put("task_type", taskType);
        }
        body.put("input_tokens", 100);
        body.put("output_tokens", 10);
        body.put("cost", new BigDecimal(cost));
        return body;
    }

    static Map<String, Object> check(String component, String taskType, String cost) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("component", component);
        if (taskType != null) {
            body.put("task_type", taskType);
        }
        body.put("estimated_cost", new BigDecimal(cost));
        return body;
    }

    static String codeBudget(TestServer s, String component, String monthly) {
        return Ledger.budget(s, Map.of("name", "code of " + component,
                "scope", Map.of("component", component, "task_type", "Code"),
                "limits", Map.of("monthly", new BigDecimal(monthly))));
    }

    @Test
    void record_withAndWithoutTaskType_storesCanonicalOrDefault_andListsFilterByIt() {
        String c = uniq("tt-rec");
        JsonNode plain = Ledger.record(t, usage(c, null, "0.10"));
        assertThat(plain.path("task_type").asText()).isEqualTo("default");
        JsonNode code = Ledger.record(t, usage(c, "  Code ", "0.20"));
        assertThat(code.path("task_type").asText()).as("trimmed and lower-cased").isEqualTo("code");

        List<JsonNode> all = Ledger.rows(t, c);
        assertThat(all).extracting(r -> r.path("task_type").asText()).containsExactly("code", "default");
        List<JsonNode> onlyCode = Ledger.rows(t, "component=" + enc(c) + "&task_type=CODE", 100);
        assertThat(onlyCode).extracting(r -> r.path("record_id").asText()).containsExactly(code.path("record_id").asText());
        List<JsonNode> onlyDefault = Ledger.rows(t, "component=" + enc(c) + "&task_type=default", 100);
        assertThat(onlyDefault).extracting(r -> r.path("record_id").asText())
                .containsExactly(plain.path("record_id").asText());
        assertThat(Ledger.rows(t, "component=" + enc(c) + "&task_type=chat", 100)).isEmpty();
    }

    @Test
    void summary_groupsByTaskType_andFiltersByIt() {
        String c = uniq("tt-sum");
        Ledger.record(t, usage(c, "chat", "1.00"));
        Ledger.record(t, usage(c, "chat", "0.50"));
        Ledger.record(t, usage(c, "code", "2.00"));
        Ledger.record(t, usage(c, null, "0.25"));

        TestServer.Resp r = t.post("/api/v1/usage/summary", Map.of("component", c, "group_by", List.of("task_type")));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertUsd(r.get("total_cost"), "3.75");
        Map<String, JsonNode> groups = new LinkedHashMap<>();
        r.get("groups").forEach(g -> groups.put(g.path("task_type").asText(), g));
        assertThat(groups.keySet()).containsExactly("code", "chat", "default");
        assertUsd(groups.get("chat").get("cost"), "1.50");
        assertThat(groups.get("chat").get("count").asLong()).isEqualTo(2);
        assertUsd(groups.get("code").get("cost"), "2.00");
        assertUsd(groups.get("default").get("cost"), "0.25");

        TestServer.Resp f = t.post("/api/v1/usage/summary", Map.of("component", c, "task_type", "Chat",
                "group_by", List.of("task_type", "model", "day")));
        assertThat(f.status()).as(f.raw()).isEqualTo(200);
        assertUsd(f.get("total_cost"), "1.50");
        assertThat(f.get("count").asLong()).isEqualTo(2);
        assertThat(f.get("groups")).hasSize(1);
        assertThat(f.get("groups").get(0).path("task_type").asText()).isEqualTo("chat");

        TestServer.Resp nested = t.post("/api/v1/usage/summary", Map.of("filters",
                Map.of("component", c, "task_type", "code")));
        assertThat(nested.status()).as(nested.raw()).isEqualTo(200);
        assertUsd(nested.get("total_cost"), "2.00");
    }

    @Test
    void taskTypeScopedBudget_countsOnlyItsTaskType_andBlocksOnlyIt() {
        String c = uniq("tt-budget");
        String id = codeBudget(t, c, "1.00");
        JsonNode b = t.get("/api/v1/budgets/" + id).body();
        assertThat(b.path("scope").path("task_type").asText()).isEqualTo("code");
        assertThat(t.get("/api/v1/budgets/" + Ledger.componentBudget(t, uniq("tt-plain"), Map.of("daily", "1")))
                .body().path("scope").path("task_type").isNull()).as("an unscoped budget: task_type null").isTrue();

        Ledger.record(t, usage(c, null, "5.00"));
        Ledger.record(t, usage(c, "chat", "5.00"));
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0");
        Ledger.record(t, usage(c, "code", "1.00"));
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "1.00");

        TestServer.Resp code = t.post(CHECK, check(c, "CODE", "0.10"));
        assertThat(code.status()).as(code.raw()).isEqualTo(200);
        assertThat(code.get("decision").asText()).isEqualTo("block");
        assertThat(code.get("reasons")).extracting(x -> x.path("budget_id").asText()).contains(id);
        for (String other : new String[]{null, "chat", "default"}) {
            TestServer.Resp ok = t.post(CHECK, check(c, other, "0.10"));
            assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
            assertThat(ok.get("decision").asText()).as("task_type " + other).isEqualTo("allow");
            assertThat(ok.get("reasons")).extracting(x -> x.path("budget_id").asText()).doesNotContain(id);
        }
    }

    @Test
    void holdOfATaskType_countsOnlyAgainstItsBudgets_untilSettled() {
        String c = uniq("tt-hold");
        String id = codeBudget(t, c, "1.00");
        Map<String, Object> chat = check(c, "chat", "0.60");
        chat.put("reserve", true);
        TestServer.Resp other = t.post(CHECK, chat);
        assertThat(other.get("decision").asText()).as(other.raw()).isEqualTo("allow");
        assertUsd(Ledger.period(t, id, "monthly").get("reserved"), "0");

        Map<String, Object> code = check(c, "code", "0.60");
        code.put("reserve", true);
        TestServer.Resp held = t.post(CHECK, code);
        assertThat(held.get("decision").asText()).as(held.raw()).isEqualTo("allow");
        assertUsd(Ledger.period(t, id, "monthly").get("reserved"), "0.60");
        assertThat(t.post(CHECK, check(c, "code", "0.60")).get("decision").asText()).isEqualTo("block");
        assertThat(t.post(CHECK, check(c, "chat", "0.60")).get("decision").asText()).isEqualTo("allow");

        Map<String, Object> settle = usage(c, "code", "0.50");
        settle.put("reservation_id", held.get("reservation_id").asText());
        assertThat(Ledger.record(t, settle).path("reservation_status").asText()).isEqualTo("settled");
        assertUsd(Ledger.period(t, id, "monthly").get("reserved"), "0");
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.50");
    }

    @Test
    void taskTypeScopedBudget_stillBlocksOnlyItsTaskType_afterRestart() {
        try (TestServer own = TestServer.start()) {
            String c = uniq("tt-restart");
            String id = codeBudget(own, c, "1.00");
            Ledger.record(own, usage(c, "code", "1.00"));
            Ledger.record(own, usage(c, "chat", "3.00"));
            own.restart();
            assertThat(own.get("/api/v1/budgets/" + id).body().path("scope").path("task_type").asText())
                    .isEqualTo("code");
            assertUsd(Ledger.period(own, id, "monthly").get("spent"), "1.00");
            assertThat(own.post(CHECK, check(c, "code", "0.10")).get("decision").asText()).isEqualTo("block");
            assertThat(own.post(CHECK, check(c, "chat", "0.10")).get("decision").asText()).isEqualTo("allow");
            assertThat(Ledger.rows(own, "component=" + enc(c) + "&task_type=chat", 100))
                    .extracting(r -> r.path("task_type").asText()).containsExactly("chat");
            TestServer.Resp s = own.post("/api/v1/usage/summary", Map.of("component", c, "group_by", List.of("task_type")));
            assertThat(s.get("groups")).extracting(g -> g.path("task_type").asText()).containsExactly("chat", "code");
        }
    }

    @Test
    void tektonRecordBody_exactShape_isAccepted_withItsTaskType() {
        // Budget/budget/api/models.py RecordUsageRequest's example, as Tekton's clients send it.
        String c = uniq("athena");
        String requestId = uniq("req-abc123");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("context_id", "session-123");
        body.put("component", c);
        body.put("provider", "anthropic");
        body.put("model", "claude-3-opus-20240229");
        body.put("task_type", "text_generation");
        body.put("input_tokens", 150);
        body.put("output_tokens", 420);
        body.put("request_id", requestId);
        body.put("metadata", Map.of("prompt_type", "question_answering"));
        JsonNode rec = Ledger.record(t, body);
        assertThat(rec.path("task_type").asText()).isEqualTo("text_generation");
        assertThat(rec.path("request_id").asText()).isEqualTo(requestId);
        assertThat(Ledger.rows(t, "component=" + enc(c) + "&task_type=text_generation", 10)).hasSize(1);

        Map<String, Object> more = new LinkedHashMap<>(body);
        more.put("request_id", uniq("req"));
        more.put("allocation_id", "alloc-1");
        more.put("operation_id", "op-1");
        more.put("user_id", "user-456");
        assertThat(t.post("/api/v1/usage/record", more).status()).isEqualTo(201);
        assertThat(Ledger.rows(t, c)).hasSize(2);
    }

    @Test
    void replay_withAnotherTaskType_isAConflictNamingIt() {
        String c = uniq("tt-idem");
        Map<String, Object> body = usage(c, "chat", "0.10");
        body.put("request_id", uniq("req"));
        Ledger.record(t, body);
        Map<String, Object> same = new LinkedHashMap<>(body);
        same.put("task_type", " CHAT");
        assertThat(t.post("/api/v1/usage/record", same).status()).as("same canonical task type").isEqualTo(200);
        Map<String, Object> other = new LinkedHashMap<>(body);
        other.put("task_type", "code");
        JsonNode e = assertError(t.post("/api/v1/usage/record", other), 409, "conflict");
        assertThat(e.path("details").path("fields").toString()).contains("task_type");
        Map<String, Object> none = new LinkedHashMap<>(body);
        none.remove("task_type");
        assertError(t.post("/api/v1/usage/record", none), 409, "conflict");
        assertThat(Ledger.rows(t, c)).hasSize(1);
    }

    @Test
    void hostileTaskTypes_are400_andWriteNothing() {
        String c = uniq("tt-bad");
        // JSON literals: blank, too long (64 is the bound), NUL, a lone surrogate, wrong types.
        List<String> bad = List.of("\"\"", "\"   \"", "\"" + "x".repeat(65) + "\"", "\"co\\u0000de\"",
                "\"\\ud800\"", "42", "[\"code\"]", "{\"a\":1}");
        for (String v : bad) {
            JsonNode e = assertError(t.postRaw("/api/v1/usage/record", "{\"component\":\"" + c + "\",\"provider\":"
                    + "\"openai\",\"model\":\"gpt-4o\",\"input_tokens\":1,\"output_tokens\":1,\"cost\":0.1,"
                    + "\"task_type\":" + v + "}"), 400, "invalid_argument");
            assertThat(e.path("details").path("field").asText()).as(v).isEqualTo("task_type");
            assertError(t.postRaw(CHECK, "{\"component\":\"" + c + "\",\"estimated_cost\":0.1,\"task_type\":" + v
                    + "}"), 400, "invalid_argument");
            if (!v.isBlank() && !v.matches("\"\\s*\"")) {
                assertError(t.postRaw("/api/v1/budgets", "{\"name\":\"bad\",\"limits\":{\"daily\":1},"
                        + "\"scope\":{\"component\":\"" + c + "\",\"task_type\":" + v + "}}"), 400, "invalid_argument");
            }
        }
        assertThat(Ledger.rows(t, c)).isEmpty();
        assertThat(t.get("/api/v1/budgets").raw()).doesNotContain(c);
        assertError(t.get("/api/v1/usage/records?task_type=" + "y".repeat(65)), 400, "invalid_argument");
        assertError(t.post("/api/v1/usage/summary", Map.of("group_by", List.of("task"))), 400, "invalid_argument");
        assertThat(t.get("/health").status()).isEqualTo(200);
    }

    @Test
    void mcpTools_recordAndCheck_carryTaskType() {
        McpSyncClient mcp = t.mcpClient();
        try {
            String c = uniq("tt-mcp");
            String id = codeBudget(t, c, "1.00");
            McpSchema.CallToolResult rec = mcp.callTool(new McpSchema.CallToolRequest("record_usage",
                    Map.of("component", c, "provider", "openai", "model", "gpt-4o", "task_type", "code",
                            "input_tokens", 10, "output_tokens", 1, "cost", 1.0)));
            assertThat(rec.isError()).as(String.valueOf(rec)).isNotEqualTo(Boolean.TRUE);
            JsonNode r = Json.mapper().valueToTree(rec.structuredContent());
            assertThat(r.path("task_type").asText()).isEqualTo("code");
            McpSchema.CallToolResult plain = mcp.callTool(new McpSchema.CallToolRequest("record_usage",
                    Map.of("component", c, "provider", "openai", "model", "gpt-4o",
                            "input_tokens", 10, "output_tokens", 1, "cost", 0.5)));
            assertThat(Json.mapper().valueToTree(plain.structuredContent()).path("task_type").asText())
                    .isEqualTo("default");
            assertUsd(Ledger.period(t, id, "monthly").get("spent"), "1.0");

            JsonNode blocked = Json.mapper().valueToTree(mcp.callTool(new McpSchema.CallToolRequest("check_budget",
                    Map.of("component", c, "task_type", "code", "estimated_cost", 0.1))).structuredContent());
            assertThat(blocked.path("decision").asText()).isEqualTo("block");
            JsonNode allowed = Json.mapper().valueToTree(mcp.callTool(new McpSchema.CallToolRequest("check_budget",
                    Map.of("component", c, "estimated_cost", 0.1))).structuredContent());
            assertThat(allowed.path("decision").asText()).isEqualTo("allow");

            JsonNode sum = Json.mapper().valueToTree(mcp.callTool(new McpSchema.CallToolRequest("get_usage_summary",
                    Map.of("component", c, "task_type", "default", "group_by", List.of("task_type"))))
                    .structuredContent());
            assertUsd(sum.path("total_cost"), "0.5");
            assertThat(sum.path("groups").get(0).path("task_type").asText()).isEqualTo("default");
        } finally {
            mcp.closeGracefully();
        }
    }
}
