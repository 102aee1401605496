package io.tekton.penia.it.prices;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model recommendations a person would follow (issue 24, items 8-10), through REST and MCP:
 * never a weaker tier unless asked, one entry per model however many resellers sell it, the
 * installation's providers by default, and a reason for each pick.
 */
class RecommendationsTest {
    static TestServer t;
    static McpSyncClient mcp;

    @BeforeAll
    static void up() {
        t = TestServer.start();
        mcp = t.mcpClient();
    }

    @AfterAll
    static void down() {
        mcp.closeGracefully();
        t.close();
    }

    private static Map<String, Object> sonnetForCode(Object... extra) {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("task_type", "code", "estimated_input_tokens", 2000,
                "estimated_output_tokens", 500, "current_provider", "anthropic", "current_model", "claude-sonnet-4-5",
                "limit", 10));
        for (int i = 0; i < extra.length; i += 2) {
            body.put((String) extra[i], extra[i + 1]);
        }
        return body;
    }

    private static JsonNode recommend(Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/prices/recommend", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    /** Every model name a recommendation stands for: its cheapest route and its other routes. */
    private static Set<String> routeModels(JsonNode rec) {
        Set<String> names = new HashSet<>();
        names.add(rec.get("provider").asText() + "/" + rec.get("model").asText());
        rec.get("other_routes").forEach(o -> names.add(o.get("provider").asText() + "/" + o.get("model").asText()));
        return names;
    }

    @Test
    void recommend_replacingSonnetForCode_neverAWeakerTier_unlessAllowWeaker() {
        JsonNode recs = recommend(sonnetForCode("providers", List.of("*"))).get("recommendations");

        assertThat(recs.size()).isGreaterThanOrEqualTo(3);
        for (JsonNode r : recs) {
            assertThat(r.get("quality_tier").asInt()).as(r.toString()).isEqualTo(6);
            assertThat(r.get("reason").asText()).contains("code tier", "claude-sonnet-4-5");
            assertThat(r.get("model").asText().toLowerCase()).doesNotContain("qwen2.5-coder-7b", "llama3.2-3b");
        }

        JsonNode weaker = recommend(sonnetForCode("providers", List.of("*"), "allow_weaker", true))
                .get("recommendations");
        assertThat(weaker.get(0).get("quality_tier").isNull() || weaker.get(0).get("quality_tier").asInt() < 6)
                .as(weaker.get(0).toString()).isTrue();
        assertThat(weaker.get(0).get("reason").asText()).contains("allow_weaker");
        assertThat(weaker.get(0).get("estimated_cost").decimalValue())
                .isLessThan(recs.get(0).get("estimated_cost").decimalValue());
    }

    @Test
    void recommend_sameModelAtSeveralResellers_isOneEntry_withItsOtherRoutes() {
        // The case: 4 of the top 5 were nova-micro through different regions or resellers.
        JsonNode body = recommend(Map.of("required_capabilities", List.of("function_calling", "prompt_caching"),
                "estimated_input_tokens", 2000, "estimated_output_tokens", 500, "providers", List.of("*"),
                "limit", 20));
        JsonNode recs = body.get("recommendations");

        assertThat(body.get("providers").toString()).isEqualTo("[\"*\"]");
        Set<String> seen = new HashSet<>();
        boolean collapsed = false;
        BigDecimal previous = BigDecimal.ZERO;
        for (JsonNode r : recs) {
            for (String route : routeModels(r)) {
                assertThat(seen.add(route)).as("route listed twice: " + route).isTrue();
            }
            assertThat(r.get("route_count").asInt()).isGreaterThanOrEqualTo(1 + r.get("other_routes").size());
            collapsed |= r.get("route_count").asInt() > 1;
            assertThat(r.get("estimated_cost").decimalValue()).isGreaterThanOrEqualTo(previous);
            previous = r.get("estimated_cost").decimalValue();
            assertThat(r.get("reason").asText()).isNotBlank();
        }
        assertThat(collapsed).isTrue();
        long novaMicro = 0;
        for (JsonNode r : recs) {
            novaMicro += r.get("model").asText().contains("nova-micro") ? 1 : 0;
        }
        assertThat(novaMicro).isLessThanOrEqualTo(1);
    }

    @Test
    void recommend_byDefault_onlyProvidersWithABudgetOrUsage_andMcpAgrees() throws Exception {
        // This installation uses gemini (a budget) and xai (usage); the current model is at openai.
        TestServer.Resp budget = t.post("/api/v1/budgets", Map.of("name", "gemini-spend",
                "scope", Map.of("provider", "gemini"), "limits", Map.of("monthly", new BigDecimal("100"))));
        assertThat(budget.status()).as(budget.raw()).isEqualTo(201);
        TestServer.Resp usage = t.post("/api/v1/usage/record", Map.of("component", "recs-test", "provider", "xai",
                "model", "grok-4", "input_tokens", 1000, "output_tokens", 100));
        assertThat(usage.status()).as(usage.raw()).isLessThan(300);
        Map<String, Object> args = Map.of("task_type", "chat", "estimated_input_tokens", 2000,
                "estimated_output_tokens", 500, "current_provider", "openai", "current_model", "gpt-4o");

        JsonNode body = recommend(args);

        assertThat(body.get("providers").toString()).isEqualTo("[\"gemini\",\"openai\",\"xai\"]");
        assertThat(body.get("count").asInt()).isPositive();
        for (JsonNode r : body.get("recommendations")) {
            assertThat(r.get("provider").asText()).isIn("gemini", "openai", "xai");
            r.get("other_routes").forEach(o -> assertThat(o.get("provider").asText()).isIn("gemini", "openai", "xai"));
            assertThat(r.get("quality_tier").asInt()).isGreaterThanOrEqualTo(5);
            assertThat(r.get("reason").asText()).contains("chat tier", "gpt-4o");
        }

        McpSchema.CallToolResult viaMcp = mcp.callTool(new McpSchema.CallToolRequest("recommend_models", args));
        assertThat(viaMcp.isError()).as(String.valueOf(viaMcp.content())).isFalse();
        JsonNode structured = Json.mapper().valueToTree(viaMcp.structuredContent());
        assertThat(structured.get("recommendations")).isEqualTo(body.get("recommendations"));
        assertThat(structured.get("providers")).isEqualTo(body.get("providers"));

        Map<String, Object> narrowed = new HashMap<>(args);
        narrowed.put("providers", List.of("openai"));
        JsonNode onlyOpenai = Json.mapper().valueToTree(mcp.callTool(
                new McpSchema.CallToolRequest("recommend_models", narrowed)).structuredContent());
        assertThat(onlyOpenai.get("providers").toString()).isEqualTo("[\"openai\"]");
        assertThat(onlyOpenai.get("recommendations")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.get("provider").asText()).isEqualTo("openai"));
    }

    @Test
    void recommend_badProviders_areRefusedNamingTheField() {
        for (Object providers : List.of(List.of("opneai"), List.of("*", "openai"), List.of(), List.of(7))) {
            TestServer.Resp r = t.post("/api/v1/prices/recommend", sonnetForCode("providers", providers));
            assertThat(r.status()).as(providers + ": " + r.raw()).isEqualTo(400);
            assertThat(r.get("error").get("code").asText()).isEqualTo("invalid_argument");
            assertThat(r.raw()).contains("providers");
        }
        TestServer.Resp notBool = t.post("/api/v1/prices/recommend", sonnetForCode("allow_weaker", "yes"));
        assertThat(notBool.status()).isEqualTo(400);
        assertThat(notBool.raw()).contains("allow_weaker");
        assertThat(t.get("/api/v1/health").status()).isLessThan(500);
    }
}
