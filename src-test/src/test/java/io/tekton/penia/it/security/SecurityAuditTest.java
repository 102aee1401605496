package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.tekton.penia.it.security.Sec.ADMIN_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit trail: every change to budgets, thresholds, prices, breakers and keys appears
 * exactly once, with the actor, the time, and the target before and after (secrets redacted);
 * refused and invalid changes leave no entry. Changes go through REST, MCP and the tool
 * endpoint; the trail is read through {@code GET /api/v1/audit} and {@code GET /audit}.
 */
@PeniaServerTest(adminKey = true)
class SecurityAuditTest {
    static TestServer t;

    static JsonNode only(String targetType, String targetId, String action) {
        List<JsonNode> found = Sec.audit(t, targetType, targetId).stream()
                .filter(e -> e.get("action").asText().equals(action)).toList();
        assertThat(found).as(action + " on " + targetType + " " + targetId).hasSize(1);
        return found.getFirst();
    }

    @Test
    void budgetLifecycle_eachChangeOnce_withBeforeAndAfter() {
        String id = Sec.budget(t, "audited", null, "10");
        TestServer.Resp upd = Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budgets/" + id, Map.of("name", "renamed"));
        assertThat(upd.status()).isEqualTo(200);
        assertThat(Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/budgets/" + id, null).status()).isEqualTo(200);

        List<JsonNode> all = Sec.audit(t, "budget", id);
        assertThat(all.stream().map(e -> e.get("action").asText()).toList())
                .containsExactly("budget.delete", "budget.update", "budget.create");
        JsonNode create = all.get(2);
        assertThat(create.get("actor").asText()).isEqualTo("admin-env");
        assertThat(create.get("before").isNull()).isTrue();
        assertThat(create.get("after").get("name").asText()).isEqualTo("budget of audited");
        assertThat(create.get("at").asText()).isNotBlank();
        JsonNode update = all.get(1);
        assertThat(update.get("before").get("name").asText()).isEqualTo("budget of audited");
        assertThat(update.get("after").get("name").asText()).isEqualTo("renamed");
        JsonNode delete = all.get(0);
        assertThat(delete.get("before").get("name").asText()).isEqualTo("renamed");
        assertThat(delete.get("after").isNull()).isTrue();
        assertThat(all.get(0).get("seq").asLong()).isGreaterThan(all.get(1).get("seq").asLong());
    }

    @Test
    void refusedAndInvalidChanges_leaveNoEntry() {
        String id = Sec.budget(t, "refused", null, "10");
        String viewer = Sec.secret(t, "viewer", null);
        String component = Sec.secret(t, "component", "refused");
        assertThat(Sec.call(t, viewer, "PUT", "/api/v1/budgets/" + id, Map.of("name", "x")).status()).isEqualTo(403);
        assertThat(Sec.call(t, component, "DELETE", "/api/v1/budgets/" + id, null).status()).isEqualTo(403);
        assertThat(Sec.call(t, null, "PUT", "/api/v1/budgets/" + id + "/alerts", Map.of("cooldown_seconds", 1))
                .status()).isEqualTo(401);
        assertThat(Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budgets/" + id, Map.of("limits", Map.of("monthly", -1)))
                .status()).isEqualTo(400);
        assertThat(Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budgets/nope-" + UUID.randomUUID(), Map.of("name", "x"))
                .status()).isEqualTo(404);
        assertThat(Sec.call(t, component, "POST", "/api/tools/set_alerts/execute",
                Map.of("budget_id", id, "cooldown_seconds", 5)).status()).isEqualTo(403);
        assertThat(Sec.audit(t, "budget", id)).hasSize(1);
        assertThat(Sec.audit(t, "budget", id).getFirst().get("action").asText()).isEqualTo("budget.create");
    }

    @Test
    void alertSettings_viaRestToolEndpointAndMcp_eachOnce_withTheActor_andSecretsRedacted() {
        String id = Sec.budget(t, "alerting", null, "10");
        String secret = "whsec-" + UUID.randomUUID();
        TestServer.Resp rest = Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budgets/" + id + "/alerts", Map.of(
                "thresholds", List.of(50, 100), "channels", List.of(Map.of("type", "webhook",
                        "url", "http://127.0.0.1:9/hook", "secret", secret))));
        assertThat(rest.status()).as(rest.raw()).isEqualTo(200);
        String admin = Sec.secret(t, "admin", null);
        TestServer.Resp tool = Sec.call(t, admin, "POST", "/api/tools/set_alerts/execute",
                Map.of("budget_id", id, "cooldown_seconds", 77));
        assertThat(tool.status()).as(tool.raw()).isEqualTo(200);
        McpSyncClient mcp = Sec.mcp(t, ADMIN_KEY);
        try {
            McpSchema.CallToolResult r = mcp.callTool(new McpSchema.CallToolRequest("set_alerts",
                    Map.of("budget_id", id, "warning_percent", 60)));
            assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
        } finally {
            mcp.closeGracefully();
        }
        List<JsonNode> all = Sec.audit(t, "budget", id);
        assertThat(all.stream().map(e -> e.get("action").asText()).toList()).containsExactly(
                "budget.alerts.update", "budget.alerts.update", "budget.alerts.update", "budget.create");
        assertThat(all.get(2).get("before").get("thresholds").toString()).isEqualTo("[70,80,90,100]");
        assertThat(all.get(2).get("after").get("thresholds").toString()).isEqualTo("[50,100]");
        assertThat(all.get(2).get("after").get("channels").get(0).get("has_secret").asBoolean()).isTrue();
        assertThat(all.get(1).get("actor").asText()).isEqualTo(Sec.keyId(admin));
        assertThat(all.get(1).get("after").get("cooldown_seconds").asLong()).isEqualTo(77);
        assertThat(all.get(0).get("actor").asText()).isEqualTo("admin-env");
        assertThat(all.get(0).get("before").get("warning_percent").asInt()).isNotEqualTo(60);
        assertThat(all.get(0).get("after").get("warning_percent").asInt()).isEqualTo(60);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/audit?limit=1000").raw()).doesNotContain(secret);
    }

    @Test
    void thresholdsPricesAndBreakers_eachOnce() {
        TestServer.Resp cur = Sec.get(t, ADMIN_KEY, "/api/v1/budget-alerts/thresholds");
        long cooldown = cur.get("cooldown_seconds").asLong() + 11;
        int before = Sec.audit(t, "thresholds", "defaults").size();
        assertThat(Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budget-alerts/thresholds",
                Map.of("cooldown_seconds", cooldown)).status()).isEqualTo(200);
        List<JsonNode> th = Sec.audit(t, "thresholds", "defaults");
        assertThat(th).hasSize(before + 1);
        assertThat(th.getFirst().get("before").get("cooldown_seconds").asLong()).isEqualTo(cooldown - 11);
        assertThat(th.getFirst().get("after").get("cooldown_seconds").asLong()).isEqualTo(cooldown);

        String model = "audit-model-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/prices/openai/" + model,
                Map.of("input_per_million", 1, "output_per_million", 2)).status()).isEqualTo(200);
        assertThat(Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/prices/openai/" + model,
                Map.of("input_per_million", 3)).status()).isEqualTo(200);
        List<JsonNode> prices = Sec.audit(t, "price", "openai/" + model);
        assertThat(prices).hasSize(2);
        assertThat(prices.get(1).get("before").isNull()).isTrue();
        assertThat(prices.get(0).get("before").get("input_per_million").decimalValue()).isEqualByComparingTo("1");
        assertThat(prices.get(0).get("after").get("input_per_million").decimalValue()).isEqualByComparingTo("3");

        String id = Sec.budget(t, "breaking", null, "1");
        TestServer.Resp reset = Sec.call(t, ADMIN_KEY, "POST", "/api/v1/budget-alerts/breakers/" + id + "/reset", Map.of());
        assertThat(reset.status()).as(reset.raw()).isEqualTo(200);
        JsonNode breaker = only("breaker", id, "breaker.reset");
        assertThat(breaker.get("before").get("breakers").get("monthly").asText()).isEqualTo("closed");
        assertThat(breaker.get("after").get("state").asText()).isEqualTo("closed");
    }

    @Test
    void keys_createAndRevoke_once_withoutSecrets() {
        JsonNode k = Sec.createKey(t, "audited key", "component", "billing");
        String id = k.get("key_id").asText();
        Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + id, null);
        Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + id, null);
        JsonNode create = only("api_key", id, "api_key.create");
        JsonNode revoke = only("api_key", id, "api_key.revoke");
        assertThat(create.get("after").get("role").asText()).isEqualTo("component");
        assertThat(create.get("after").has("secret")).isFalse();
        assertThat(revoke.get("before").get("revoked_at").isNull()).isTrue();
        assertThat(revoke.get("after").get("revoked_at").isNull()).isFalse();
        String random = Sec.randomPart(k.get("secret").asText());
        assertThat(random).hasSize(43);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/audit?limit=1000").raw()).doesNotContain(random);
    }

    @Test
    void auditList_isNewestFirst_pagesWithCursor_andBothPathsAgree() {
        for (int i = 0; i < 3; i++) {
            Sec.budget(t, "paging-" + i, null, "1");
        }
        TestServer.Resp first = Sec.get(t, ADMIN_KEY, "/api/v1/audit?target_type=budget&limit=2");
        assertThat(first.get("items").size()).isEqualTo(2);
        long a = first.get("items").get(0).get("seq").asLong();
        long b = first.get("items").get(1).get("seq").asLong();
        assertThat(a).isGreaterThan(b);
        String cursor = first.get("next_cursor").asText();
        TestServer.Resp second = Sec.get(t, ADMIN_KEY, "/api/v1/audit?target_type=budget&limit=2&cursor=" + cursor);
        assertThat(second.get("items").get(0).get("seq").asLong()).isLessThan(b);
        assertThat(Sec.get(t, ADMIN_KEY, "/audit?target_type=budget&limit=2").body().get("items"))
                .isEqualTo(first.get("items"));
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/audit?limit=0").status()).isEqualTo(400);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/audit?cursor=zzz").status()).isEqualTo(400);
    }

    @Test
    void openMode_recordsTheLocalActor() {
        TestServer open = io.tekton.penia.it.support.TestServer.start();
        try {
            TestServer.Resp r = open.post("/api/v1/budgets", Map.of("name", "open", "limits",
                    Map.of("monthly", new BigDecimal("1"))));
            assertThat(r.status()).isEqualTo(201);
            TestServer.Resp audit = open.get("/api/v1/audit?target_id=" + r.get("budget_id").asText());
            assertThat(audit.get("items").size()).isEqualTo(1);
            assertThat(audit.get("items").get(0).get("actor").asText()).isEqualTo("local");
        } finally {
            open.close();
        }
    }
}
