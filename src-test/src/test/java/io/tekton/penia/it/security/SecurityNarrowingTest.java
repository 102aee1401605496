package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.tekton.penia.it.security.Sec.ADMIN_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a caller sees of other components (issue 18, items 3 to 5), on every surface: REST, MCP
 * tools and {@code /api/tools/*}/execute. A component key sees only its own usage in every
 * breakdown of a budget it may read (a global or provider budget shared with other components;
 * the budget's own period counters stay whole); {@code recommend_models} follows the REST rule
 * for the component it is asked about; channel URLs are shown in full only to admins.
 */
@PeniaServerTest(adminKey = true)
class SecurityNarrowingTest {
    static final String A = "nar-a";
    static final String B = "nar-b";
    static final String PROVIDER = "nar-prov";
    static final String MODEL_A = "gpt-4o";
    static final String MODEL_B = "gpt-4o-mini";
    static final String SLACK = "https://hooks.slack.com/services/T0NAR/B0NAR/slackpathsecret";
    static final String HOOK = "https://hooks.example.com/penia/pathsecret?token=querysecret";
    static final String DEAD_HOOK = "http://127.0.0.1:9/hookpath/pathsecret?token=querysecret";

    static TestServer t;
    /** The injected client; it sends the admin key. */
    static PeniaClient admin;
    static String keyA;
    static String keyB;
    static String viewer;
    static String globalBudget;
    static String providerBudget;
    static String channelBudget;
    static String alertedBudget;

    @BeforeAll
    static void up() {
        keyA = Sec.secret(t, "component", A);
        keyB = Sec.secret(t, "component", B);
        viewer = Sec.secret(t, "viewer", null);
        globalBudget = create(Map.of("name", "global of the narrowing test", "scope", Map.of(),
                "limits", Map.of("monthly", 1000)));
        providerBudget = create(Map.of("name", "provider budget", "scope", Map.of("provider", PROVIDER),
                "limits", Map.of("monthly", 1000)));
        // B's own budget is nearly spent: whoever learns whether a model fits it learns B's remaining budget.
        Sec.budget(t, B, null, "0.000002");
        // A budget of A's that no usage matches (no alert is sent to these URLs).
        channelBudget = create(Map.of("name", "with channels", "scope", Map.of("component", A, "provider", "nar-quiet"),
                "limits", Map.of("monthly", 1000), "channels", List.of(Map.of("type", "slack", "url", SLACK),
                        Map.of("type", "webhook", "url", HOOK, "secret", "whsec-nar"))));
        record(keyA, A, MODEL_A, "0.02");
        record(ADMIN_KEY, B, MODEL_B, "0.03");
        // An alert of B's delivered (in vain) to a webhook whose path and query hold tokens.
        alertedBudget = create(Map.of("name", "alerted", "scope", Map.of("component", B, "provider", "nar-alerted"),
                "limits", Map.of("monthly", 1), "channels", List.of(Map.of("type", "webhook", "url", DEAD_HOOK))));
        Map<String, Object> u = new LinkedHashMap<>(Sec.usage(B, "nar-alerted", "0.75"));
        u.put("model", MODEL_B);
        assertThat(Sec.call(t, keyB, "POST", "/api/v1/usage/record", u).status()).isEqualTo(201);
    }

    private static String create(Map<String, Object> body) {
        return admin.createBudget(body);
    }

    private static void record(String key, String component, String model, String cost) {
        Map<String, Object> u = new LinkedHashMap<>(Sec.usage(component, PROVIDER, cost));
        u.put("model", model);
        TestServer.Resp r = Sec.call(t, key, "POST", "/api/v1/usage/record", u);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    private static JsonNode structured(McpSchema.CallToolResult r) {
        return Json.mapper().valueToTree(r.structuredContent());
    }

    private static List<String> values(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.forEach(e -> out.add(e.get(field).asText()));
        return out;
    }

    private static BigDecimal cost(JsonNode list, String field, String value) {
        for (JsonNode e : list) {
            if (e.get(field).asText().equals(value)) {
                return e.get("cost").decimalValue().stripTrailingZeros();
            }
        }
        return null;
    }

    /** A's view of a shared budget's summary: its own usage only, in every breakdown; the counters whole. */
    private static void assertNarrowedToA(JsonNode summary, String where) {
        assertThat(summary.get("by_component")).as(where + ": " + summary).isNotNull();
        assertThat(values(summary.get("by_component"), "component")).as(where + ": " + summary).containsExactly(A);
        assertThat(values(summary.get("by_model"), "model")).as(where + ": " + summary).containsExactly(MODEL_A);
        assertThat(cost(summary.get("by_provider"), "provider", PROVIDER)).as(where + ": " + summary)
                .isEqualByComparingTo("0.02");
        assertThat(summary.toString()).as(where).doesNotContain(B).doesNotContain(MODEL_B);
        // The budget's own state (what checks are judged against) stays whole.
        JsonNode whole = Sec.get(t, ADMIN_KEY, "/api/v1/budgets/" + summary.get("budget_id").asText() + "/summary").body();
        assertThat(summary.get("periods").get("monthly").get("spent").decimalValue()).as(where)
                .isEqualByComparingTo(whole.get("periods").get("monthly").get("spent").decimalValue())
                .isGreaterThan(new BigDecimal("0.02"));
    }

    // ---- item 3: breakdowns ----------------------------------------------------------------

    @Test
    void rest_budgetSummary_ofAGlobalOrProviderBudget_showsAComponentKeyOnlyItsOwnUsage() {
        for (String id : List.of(globalBudget, providerBudget)) {
            TestServer.Resp r = Sec.get(t, keyA, "/api/v1/budgets/" + id + "/summary");
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            assertNarrowedToA(r.body(), "REST summary of " + id);
            // Viewer and admin see every component.
            for (String key : List.of(viewer, ADMIN_KEY)) {
                JsonNode all = Sec.get(t, key, "/api/v1/budgets/" + id + "/summary").body();
                assertThat(values(all.get("by_component"), "component")).containsExactlyInAnyOrder(A, B);
                assertThat(values(all.get("by_model"), "model")).containsExactlyInAnyOrder(MODEL_A, MODEL_B);
            }
        }
    }

    @Test
    void mcp_getBudgetStatus_ofAGlobalBudget_showsAComponentKeyOnlyItsOwnUsage() {
        McpSyncClient a = Sec.mcp(t, keyA);
        try {
            for (String id : List.of(globalBudget, providerBudget)) {
                McpSchema.CallToolResult r = a.callTool(new McpSchema.CallToolRequest("get_budget_status",
                        Map.of("budget_id", id)));
                assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
                assertNarrowedToA(structured(r), "MCP get_budget_status of " + id);
                assertThat(r.content().toString()).doesNotContain(MODEL_B);
            }
            McpSchema.CallToolResult summary = a.callTool(new McpSchema.CallToolRequest("get_usage_summary",
                    Map.of("budget_id", globalBudget, "group_by", List.of("component", "model"))));
            assertThat(summary.isError()).as(String.valueOf(summary.content())).isFalse();
            assertThat(values(structured(summary).get("groups"), "component")).containsExactly(A);
        } finally {
            a.closeGracefully();
        }
    }

    @Test
    void toolsExecute_getBudgetStatus_ofAGlobalBudget_showsAComponentKeyOnlyItsOwnUsage() {
        for (String id : List.of(globalBudget, providerBudget)) {
            TestServer.Resp r = Sec.call(t, keyA, "POST", "/api/tools/get_budget_status/execute", Map.of("budget_id", id));
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            assertNarrowedToA(r.get("result"), "/api/tools get_budget_status of " + id);
        }
        TestServer.Resp s = Sec.call(t, keyA, "POST", "/api/tools/get_usage_summary/execute",
                Map.of("group_by", List.of("component")));
        assertThat(s.status()).as(s.raw()).isEqualTo(200);
        assertThat(values(s.get("result").get("groups"), "component")).containsExactly(A);
    }

    // ---- item 4: recommend_models ----------------------------------------------------------

    private static Map<String, Object> recommend(String component) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimated_input_tokens", 1000);
        m.put("estimated_output_tokens", 500);
        m.put("limit", 3);
        if (component != null) {
            m.put("component", component);
        }
        return m;
    }

    @Test
    void recommendModels_forAnotherComponent_isRefusedOnEverySurface_asOverRest() {
        TestServer.Resp rest = Sec.call(t, keyA, "POST", "/api/v1/prices/recommend", recommend(B));
        assertThat(rest.status()).as(rest.raw()).isEqualTo(403);

        TestServer.Resp tool = Sec.call(t, keyA, "POST", "/api/tools/recommend_models/execute", recommend(B));
        assertThat(tool.status()).as(tool.raw()).isEqualTo(403);
        assertThat(tool.get("error").get("code").asText()).isEqualTo("forbidden");
        assertThat(tool.raw()).doesNotContain("fits_remaining_budget");

        McpSyncClient a = Sec.mcp(t, keyA);
        try {
            McpSchema.CallToolResult r = a.callTool(new McpSchema.CallToolRequest("recommend_models", recommend(B)));
            assertThat(r.isError()).as(String.valueOf(r.content())).isTrue();
            assertThat(structured(r).get("error").get("code").asText()).isEqualTo("forbidden");
            assertThat(structured(r).toString()).doesNotContain("fits_remaining_budget");
        } finally {
            a.closeGracefully();
        }
    }

    @Test
    void recommendModels_withoutAComponent_answersAComponentKeyForItsOwn_asOverRest() {
        JsonNode rest = Sec.call(t, keyB, "POST", "/api/v1/prices/recommend", recommend(null)).body();
        JsonNode first = rest.get("recommendations").get(0);
        // B's budget is spent: REST judges the fit against B's own remaining budget.
        assertThat(first.get("fits_remaining_budget").asBoolean(true)).as(rest.toString()).isFalse();

        TestServer.Resp tool = Sec.call(t, keyB, "POST", "/api/tools/recommend_models/execute", recommend(null));
        assertThat(tool.status()).as(tool.raw()).isEqualTo(200);
        assertThat(tool.get("result").get("recommendations")).isEqualTo(rest.get("recommendations"));

        McpSyncClient b = Sec.mcp(t, keyB);
        try {
            McpSchema.CallToolResult r = b.callTool(new McpSchema.CallToolRequest("recommend_models", recommend(null)));
            assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
            assertThat(structured(r).get("recommendations")).isEqualTo(rest.get("recommendations"));
        } finally {
            b.closeGracefully();
        }
        // A viewer reads every component, over REST and the tools alike.
        TestServer.Resp asViewer = Sec.call(t, viewer, "POST", "/api/tools/recommend_models/execute", recommend(B));
        assertThat(asViewer.status()).as(asViewer.raw()).isEqualTo(200);
    }

    // ---- item 5: channel secrets -----------------------------------------------------------

    private static void assertRedacted(String body, String where) {
        assertThat(body).as(where).doesNotContain("slackpathsecret").doesNotContain("pathsecret")
                .doesNotContain("querysecret").doesNotContain("T0NAR").doesNotContain("whsec-nar");
        assertThat(body).as(where).contains("https://hooks.slack.com/…redacted")
                .contains("https://hooks.example.com/…redacted");
    }

    @Test
    void channelUrls_areRedactedForViewerAndComponentKeys_onEverySurface_andWholeForAdmins() {
        for (String key : List.of(viewer, keyA)) {
            String who = key.equals(viewer) ? "viewer" : "component";
            assertRedacted(Sec.get(t, key, "/api/v1/budgets").raw(), who + " GET /budgets");
            assertRedacted(Sec.get(t, key, "/api/v1/budgets/" + channelBudget).raw(), who + " GET /budgets/{id}");
            assertRedacted(Sec.get(t, key, "/api/v1/budgets/" + channelBudget + "/alerts").raw(),
                    who + " GET /budgets/{id}/alerts");
            assertRedacted(Sec.call(t, key, "POST", "/api/tools/list_budgets/execute", Map.of()).raw(),
                    who + " /api/tools/list_budgets");
            McpSyncClient c = Sec.mcp(t, key);
            try {
                McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("list_budgets", Map.of()));
                assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
                assertRedacted(structured(r).toString() + r.content(), who + " MCP list_budgets");
            } finally {
                c.closeGracefully();
            }
        }
        JsonNode own = Sec.get(t, ADMIN_KEY, "/api/v1/budgets/" + channelBudget).body();
        assertThat(values(own.get("channels"), "url")).containsExactly(SLACK, HOOK);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/budgets/" + channelBudget + "/alerts").raw())
                .contains("slackpathsecret").contains("querysecret");
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/budgets").raw()).contains("slackpathsecret");
        McpSyncClient admin = Sec.mcp(t, ADMIN_KEY);
        try {
            McpSchema.CallToolResult r = admin.callTool(new McpSchema.CallToolRequest("list_budgets", Map.of()));
            assertThat(structured(r).toString()).contains("querysecret");
        } finally {
            admin.closeGracefully();
        }
    }

    @Test
    void deliveryTargets_areRedactedForViewers_andKeepTheirPathForAdmins() {
        String alertId = await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode items = Sec.get(t, ADMIN_KEY, "/api/v1/alerts?budget_id=" + alertedBudget).body().get("items");
            return items != null && !items.isEmpty() ? items.get(0).get("alert_id").asText() : null;
        }, Objects::nonNull);
        JsonNode seen = await().atMost(Duration.ofSeconds(15)).until(() ->
                Sec.get(t, viewer, "/api/v1/alerts/" + alertId + "/deliveries").body().get("deliveries"), d -> !d.isEmpty());
        assertThat(seen.get(0).get("target").asText()).isEqualTo("http://127.0.0.1:9/…redacted");
        assertThat(seen.toString()).doesNotContain("pathsecret").doesNotContain("querysecret");
        JsonNode admin = Sec.get(t, ADMIN_KEY, "/api/v1/alerts/" + alertId + "/deliveries").body().get("deliveries");
        assertThat(admin.get(0).get("target").asText()).isEqualTo("http://127.0.0.1:9/hookpath/pathsecret");
    }
}
