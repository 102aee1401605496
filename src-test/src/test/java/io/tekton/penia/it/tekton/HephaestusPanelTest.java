package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.tekton.Tekton.assertUsd;
import static io.tekton.penia.it.tekton.Tekton.panelGet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tekton's Hephaestus budget panel ({@code Hephaestus/ui/components/budget/budget-component.html},
 * the live code path of its inline script) replayed against Penia: the three fetches it makes,
 * with the fields it reads, as it reads them (numbers it calls {@code toFixed} on, arrays it
 * indexes), and the health monitor's probe that colours the panel's status dot.
 */
class HephaestusPanelTest {
    static TestServer t;
    static String budgetId;

    @BeforeAll
    static void up() {
        t = TestServer.start();
        TestServer.Resp b = t.post("/api/v1/budgets", Map.of("name", "Tekton daily",
                "limits", Map.of("daily", 5, "weekly", 25, "monthly", 100)));
        assertThat(b.status()).as(b.raw()).isEqualTo(201);
        budgetId = b.get("budget_id").asText();
        // claude-sonnet-4-5 at $3 / $15 per million: 0.003 + 0.0075 = 0.0105 and 0.006 + 0.003 = 0.009.
        Tekton.record(t, "rhetor", "anthropic", "claude-sonnet-4-5", 1000, 500);
        Tekton.record(t, "athena", "anthropic", "claude-sonnet-4-5", 2000, 200);
        // gpt-4o-mini at $0.15 / $0.60 per million: 0.00015 + 0.0003 = 0.00045.
        Tekton.record(t, "rhetor", "openai", "gpt-4o-mini", 1000, 500);
    }

    @AfterAll
    static void down() {
        t.close();
    }

    /** budget_loadBudgetData: the budget list, then {@code summary?period=daily} read as an array. */
    @Test
    void dailyCard_readsItemsZero_thenTheSummaryListsFirstElement() {
        TestServer.Resp list = panelGet(t, "/api/v1/budgets");
        assertThat(list.status()).as(list.raw()).isEqualTo(200);
        assertThat(list.get("items").get(0).get("budget_id").asText()).isEqualTo(budgetId);

        TestServer.Resp s = panelGet(t, "/api/v1/budgets/" + budgetId + "/summary?period=daily");
        assertThat(s.status()).as(s.raw()).isEqualTo(200);
        assertThat(s.body().isArray()).as(s.raw()).isTrue();
        assertThat(s.body()).hasSize(1);
        JsonNode daily = s.body().get(0);
        assertUsd(daily.get("spent"), "0.01995");
        assertUsd(daily.get("limit"), "5");
        // The rest of the original Penia list form (Budget/budget/api/models.py BudgetSummaryResponse).
        assertThat(daily.get("budget_id").asText()).isEqualTo(budgetId);
        assertThat(daily.get("period").asText()).isEqualTo("daily");
        assertUsd(daily.get("total_cost"), "0.01995");
        assertUsd(daily.get("cost_limit"), "5");
        assertUsd(daily.get("remaining_cost"), "4.98005");
        // A fraction of the limit, as the original computed it (total_cost / cost_limit).
        assertThat(daily.get("cost_usage_percentage").decimalValue()).isEqualByComparingTo("0.00399");
        assertThat(daily.get("cost_limit_exceeded").asBoolean(true)).isFalse();
        assertThat(daily.get("total_tokens_used").asLong()).isEqualTo(1500 + 2200 + 1500);
        assertThat(Instant.parse(daily.get("start_time").asText())).isBefore(Instant.parse(daily.get("end_time").asText()));
        assertThat(daily.get("active_allocations").asInt()).isZero();
    }

    @Test
    void summaryPeriodAll_listsEveryLimitedPeriod_andWithoutPeriodTheObjectFormStays() {
        TestServer.Resp all = panelGet(t, "/api/v1/budgets/" + budgetId + "/summary?period=all");
        assertThat(all.status()).as(all.raw()).isEqualTo(200);
        List<String> periods = new ArrayList<>();
        all.body().forEach(e -> periods.add(e.get("period").asText()));
        assertThat(periods).containsExactly("daily", "weekly", "monthly");
        all.body().forEach(e -> assertUsd(e.get("spent"), "0.01995"));

        TestServer.Resp obj = panelGet(t, "/api/v1/budgets/" + budgetId + "/summary");
        assertThat(obj.status()).isEqualTo(200);
        assertThat(obj.body().isObject()).isTrue();
        assertUsd(obj.get("periods").get("daily").get("spent"), "0.01995");

        TestServer.Resp bad = panelGet(t, "/api/v1/budgets/" + budgetId + "/summary?period=fortnightly");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.get("error").get("code").asText()).isEqualTo("invalid_argument");
        assertThat(panelGet(t, "/api/v1/budgets/nope/summary?period=daily").status()).isEqualTo(404);
    }

    /** A period the budget does not limit still answers one element: what was spent, and no limit. */
    @Test
    void summaryOfAnUnlimitedPeriod_hasTheSpend_andNullLimit() {
        TestServer.Resp s = panelGet(t, "/api/v1/budgets/" + budgetId + "/summary?period=hourly");
        assertThat(s.status()).as(s.raw()).isEqualTo(200);
        assertThat(s.body()).hasSize(1);
        JsonNode h = s.body().get(0);
        assertThat(h.get("period").asText()).isEqualTo("hourly");
        assertUsd(h.get("spent"), "0.01995");
        assertThat(h.get("limit").isNull()).isTrue();
        assertThat(h.get("cost_limit_exceeded").asBoolean(true)).isFalse();
    }

    /** budget_loadUsageData: {@code usage/records?limit=20}, the table's columns and the top usage list. */
    @Test
    void usageTable_andTopUsage_haveEveryFieldThePanelReads() {
        TestServer.Resp r = panelGet(t, "/api/v1/usage/records?limit=20");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        JsonNode items = r.get("items");
        assertThat(items).hasSize(3);
        for (JsonNode item : items) {
            Instant.parse(item.get("timestamp").asText());
            assertThat(item.get("component").asText()).isIn("rhetor", "athena");
            assertThat(item.get("provider").asText()).isIn("anthropic", "openai");
            assertThat(item.get("model").asText()).isIn("claude-sonnet-4-5", "gpt-4o-mini");
            assertThat(item.get("total_tokens").isIntegralNumber()).as(item.toString()).isTrue();
            assertThat(item.get("total_tokens").asLong())
                    .isEqualTo(item.get("input_tokens").asLong() + item.get("output_tokens").asLong());
            assertThat(item.get("cost").isNumber()).isTrue();
            // task_type is shown as it comes; when a record carries one it is text.
            if (item.has("task_type")) {
                assertThat(item.get("task_type").isTextual()).isTrue();
            }
        }
        JsonNode top = r.get("top_usage");
        assertThat(top).as(r.raw()).isNotNull();
        Map<String, JsonNode> byModel = new HashMap<>();
        top.forEach(e -> byModel.put(e.get("provider").asText() + "/" + e.get("model").asText(), e));
        assertThat(byModel).containsOnlyKeys("anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini");
        JsonNode sonnet = byModel.get("anthropic/claude-sonnet-4-5");
        assertThat(sonnet.get("requests").asLong()).isEqualTo(2);
        assertThat(sonnet.get("tokens").asLong()).isEqualTo(3700);
        assertUsd(sonnet.get("cost"), "0.0195");
        JsonNode mini = byModel.get("openai/gpt-4o-mini");
        assertThat(mini.get("requests").asLong()).isEqualTo(1);
        assertThat(mini.get("tokens").asLong()).isEqualTo(1500);
        assertUsd(mini.get("cost"), "0.00045");
        // Most expensive first, as the panel lists them.
        assertThat(top.get(0).get("model").asText()).isEqualTo("claude-sonnet-4-5");
    }

    /** Every view of a record carries total_tokens: the record answer and the MCP-shaped tool result too. */
    @Test
    void recordAnswer_carriesTotalTokens() {
        // Its own server: the other tests count this class's three records.
        try (TestServer own = TestServer.start()) {
            JsonNode rec = Tekton.record(own, "panel-total", "openai", "gpt-4o-mini", 10, 5);
            assertThat(rec.get("total_tokens").asLong()).isEqualTo(15);
            TestServer.Resp tool = own.post("/api/tools/record_usage/execute", Map.of("component", "panel-total",
                    "provider", "openai", "model", "gpt-4o-mini", "input_tokens", 7, "output_tokens", 3));
            assertThat(tool.status()).as(tool.raw()).isEqualTo(200);
            assertThat(tool.raw()).contains("\"total_tokens\":10");
        }
    }

    /** health-monitor.js: {@code fetch(http://localhost:PORT/health, {cache:'no-cache'})}; ok means a green dot. */
    @Test
    void healthMonitorProbe_isOk_andHealthKeepsItsFields() {
        TestServer.Resp h = t.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + t.port() + "/health"))
                .header("Origin", Tekton.HEPHAESTUS_ORIGIN).header("Cache-Control", "no-cache")
                .header("Pragma", "no-cache").GET());
        assertThat(h.status()).as(h.raw()).isEqualTo(200);
        for (String f : List.of("status", "database", "websocket_clients", "active_budgets", "uptime_seconds",
                "hermes", "version")) {
            assertThat(h.body().has(f)).as(f).isTrue();
        }
    }
}
