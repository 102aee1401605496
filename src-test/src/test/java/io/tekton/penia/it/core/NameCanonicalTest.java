package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.enc;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 item 3: one spelling of provider and model names for pricing, budget matching,
 * storage, listings, summaries and checks. {@code "OpenAI"}, {@code " openai"},
 * {@code "GPT-4o"}, {@code "openai/gpt-4o"} and {@code "gpt-4o "} are the openai budget's and
 * the gpt-4o budget's spend, not a way around them.
 */
@PeniaServerTest
class NameCanonicalTest {
    static TestServer t;

    static String budget(String component, String provider, String model, String daily) {
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("component", component);
        scope.put("provider", provider);
        if (model != null) {
            scope.put("model", model);
        }
        return Ledger.budget(t, Map.of("name", "names " + component, "scope", scope,
                "limits", Map.of("daily", new BigDecimal(daily)), "enforcement", "block", "stop_percent", 100));
    }

    static JsonNode dailySpent(String budgetId) {
        return Ledger.period(t, budgetId, "daily").get("spent");
    }

    @Test
    void spellingVariants_chargeTheProviderAndModelBudgets() {
        String c = uniq("names");
        String provider = budget(c, "openai", null, "1000");
        String model = budget(c, " OpenAI ", "GPT-4o ", "1000");
        JsonNode created = t.get("/api/v1/budgets/" + model).body();
        assertThat(created.get("scope").get("provider").asText()).isEqualTo("openai");
        assertThat(created.get("scope").get("model").asText()).isEqualTo("gpt-4o");
        TestServer.Resp listed = t.get("/api/v1/budgets?component=" + enc(c) + "&provider=" + enc(" OpenAI"));
        assertThat(listed.get("count").asInt()).as(listed.raw()).isEqualTo(2);

        Ledger.record(t, c, "OpenAI", "gpt-4o", 10, 1, "1");
        Ledger.record(t, c, " openai", "gpt-4o", 10, 1, "2");
        Ledger.record(t, c, "openai", "GPT-4o", 10, 1, "4");
        Ledger.record(t, c, "openai", "openai/gpt-4o", 10, 1, "8");
        Ledger.record(t, c, "openai", "gpt-4o ", 10, 1, "16");

        assertUsd(dailySpent(provider), "31");
        assertUsd(dailySpent(model), "31");
        List<JsonNode> rows = Ledger.rows(t, c);
        assertThat(rows).hasSize(5);
        for (JsonNode r : rows) {
            assertThat(r.get("provider").asText()).isEqualTo("openai");
            assertThat(r.get("model").asText()).isEqualTo("gpt-4o");
        }
        // Filters take the same spellings.
        assertThat(Ledger.rows(t, "component=" + enc(c) + "&provider=" + enc(" OpenAI") + "&model=GPT-4o", 100))
                .hasSize(5);

        // Checks are judged against the same budgets: $970 is left on each.
        TestServer.Resp check = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "provider", "OPENAI", "model", "openai/GPT-4o", "estimated_cost", new BigDecimal("975")));
        assertThat(check.status()).as(check.raw()).isEqualTo(200);
        assertThat(check.get("decision").asText()).as(check.raw()).isEqualTo("block");
        assertThat(check.raw()).contains(provider).contains(model);

        t.restart();
        assertUsd(dailySpent(provider), "31");
        assertUsd(dailySpent(model), "31");
    }

    @Test
    void spellingVariants_arePricedAlikeAndSummedAsOneModel() {
        String c = uniq("names-sum");
        JsonNode a = Ledger.record(t, c, "OpenAI", "openai/GPT-4o", 1000, 100, null);
        JsonNode b = Ledger.record(t, c, "openai", "gpt-4o", 1000, 100, null);
        assertThat(a.get("cost_source").asText()).isEqualTo("computed");
        assertUsd(a.get("cost"), b.get("cost").decimalValue());

        Ledger.record(t, c, "anthropic", "anthropic/claude-sonnet-4-5", 10, 1, "0.5");
        Ledger.record(t, c, "Anthropic", "claude-sonnet-4-5", 10, 1, "0.25");
        TestServer.Resp s = t.post("/api/v1/usage/summary", Map.of("component", c, "group_by", List.of("model")));
        assertThat(s.status()).as(s.raw()).isEqualTo(200);
        Map<String, JsonNode> byModel = UsageRecordTest.groupsBy(s.body(), "model");
        assertThat(byModel.keySet()).containsExactlyInAnyOrder("gpt-4o", "claude-sonnet-4-5");
        assertThat(byModel.get("claude-sonnet-4-5").get("count").asLong()).isEqualTo(2);
        assertUsd(byModel.get("claude-sonnet-4-5").get("cost"), "0.75");
        TestServer.Resp p = t.post("/api/v1/usage/summary", Map.of("component", c, "provider", "ANTHROPIC",
                "group_by", List.of("provider")));
        assertThat(UsageRecordTest.groupsBy(p.body(), "provider").keySet()).containsExactly("anthropic");
    }

    @Test
    void modelIdsWithSlashes_stayPricedAndKeepTheirName() {
        String c = uniq("names-slash");
        JsonNode routed = Ledger.record(t, c, "openrouter", "openai/gpt-4o", 1000, 100, null);
        assertThat(routed.get("cost_source").asText()).isEqualTo("computed");
        assertThat(routed.get("model").asText()).isEqualTo("openai/gpt-4o");
        JsonNode own = Ledger.record(t, c, "OpenRouter", "openrouter/auto", 1000, 100, null);
        assertThat(own.get("provider").asText()).isEqualTo("openrouter");
        assertThat(own.get("cost_source").asText()).as(own.toString()).isEqualTo("computed");
        JsonNode upper = Ledger.record(t, c, "together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", 1000, 100, null);
        assertThat(upper.get("model").asText()).isEqualTo("meta-llama/llama-3.3-70b-instruct-turbo");
        assertThat(upper.get("cost_source").asText()).as(upper.toString()).isEqualTo("computed");
    }

    @Test
    void oldBudgetWithOtherSpelling_isCanonicalAfterLoad() {
        String c = uniq("names-old");
        String id = budget(c, "openai", "gpt-4o", "100");
        t.restart(db -> {
            try (var conn = DriverManager.getConnection("jdbc:sqlite:" + db);
                 var ps = conn.prepareStatement("UPDATE budgets SET body = replace(replace(body, '\"openai\"',"
                         + " '\" OpenAI\"'), '\"gpt-4o\"', '\"openai/GPT-4o\"') WHERE budget_id = ?")) {
                ps.setString(1, id);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode scope = t.get("/api/v1/budgets/" + id).body().get("scope");
        assertThat(scope.get("provider").asText()).isEqualTo("openai");
        assertThat(scope.get("model").asText()).isEqualTo("gpt-4o");
        Ledger.record(t, c, "openai", "gpt-4o", 10, 1, "3");
        assertUsd(dailySpent(id), "3");
    }
}
