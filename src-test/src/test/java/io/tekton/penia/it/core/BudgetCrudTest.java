package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.enc;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/** Budgets CRUD over REST (SPEC §3), the shipped seed (SPEC §1), read back through other interfaces. */
@PeniaServerTest
class BudgetCrudTest {
    static TestServer t;

    static JsonNode check(TestServer s, String component, String provider, String estimate) {
        Map<String, Object> body = new HashMap<>(Map.of("component", component, "estimated_cost", new BigDecimal(estimate)));
        if (provider != null) {
            body.put("provider", provider);
        }
        return PeniaClient.of(s).check(body);
    }

    static List<String> ids(TestServer.Resp list) {
        assertThat(list.status()).as(list.raw()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        list.get("items").forEach(b -> out.add(b.get("budget_id").asText()));
        assertThat(list.get("count").asInt()).isEqualTo(out.size());
        return out;
    }

    @Test
    void create_withOnlyLimits_fillsDefaultsAndEnforces() {
        String component = uniq("crud-create");
        TestServer.Resp r = t.post("/api/v1/budgets", Map.of("name", "Create test",
                "scope", Map.of("component", component), "limits", Map.of("monthly", 100)));

        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        JsonNode b = r.body();
        String id = b.get("budget_id").asText();
        assertThat(id).isNotBlank();
        assertThat(b.get("name").asText()).isEqualTo("Create test");
        assertThat(b.get("scope").get("component").asText()).isEqualTo(component);
        assertThat(b.get("scope").get("provider").isNull()).isTrue();
        assertThat(b.get("scope").get("model").isNull()).isTrue();
        assertUsd(b.get("limits").get("monthly"), "100");
        assertThat(b.get("limits").get("daily").isNull()).isTrue();
        assertThat(b.get("alert_thresholds").toString()).isEqualTo("[70,80,90,100]");
        assertThat(b.get("warning_percent").asInt()).isEqualTo(80);
        assertThat(b.get("stop_percent").asInt()).isEqualTo(95);
        assertThat(b.get("enforcement").asText()).isEqualTo("block");
        assertThat(b.get("is_active").asBoolean()).isTrue();
        Instant created = Instant.parse(b.get("created_at").asText());
        assertThat(Instant.parse(b.get("updated_at").asText())).isEqualTo(created);

        // Read back through GET, the summary and the unified check.
        TestServer.Resp got = t.get("/api/v1/budgets/" + id);
        assertThat(got.status()).as(got.raw()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(b);
        JsonNode monthly = Ledger.period(t, id, "monthly");
        assertUsd(monthly.get("limit"), "100");
        assertUsd(monthly.get("spent"), "0");
        assertThat(Ledger.summary(t, id).get("periods").size()).as("only the limited period").isEqualTo(1);
        assertThat(check(t, component, null, "94").get("decision").asText()).isNotEqualTo("block");
        JsonNode blocked = check(t, component, null, "96");
        assertThat(blocked.get("decision").asText()).as("stop 95% of $100 blocks $96").isEqualTo("block");
        assertThat(blocked.get("reasons").findValuesAsText("budget_id")).contains(id);
    }

    @Test
    void list_filtersByActiveComponentAndProvider() {
        String compA = uniq("crud-list-a");
        String compB = uniq("crud-list-b");
        String prov1 = uniq("prov1");
        String prov2 = uniq("prov2");
        String a = Ledger.budget(t, Map.of("name", "A", "scope", Map.of("component", compA, "provider", prov1),
                "limits", Map.of("daily", 1)));
        String b = Ledger.budget(t, Map.of("name", "B", "scope", Map.of("component", compA, "provider", prov2),
                "limits", Map.of("daily", 1), "is_active", false));
        String c = Ledger.budget(t, Map.of("name", "C", "scope", Map.of("component", compB, "provider", prov1),
                "limits", Map.of("daily", 1)));

        assertThat(ids(t.get("/api/v1/budgets"))).contains(a, b, c);
        assertThat(ids(t.get("/api/v1/budgets?component=" + enc(compA)))).containsExactlyInAnyOrder(a, b);
        assertThat(ids(t.get("/api/v1/budgets?component=" + enc(compA) + "&active=true"))).containsExactly(a);
        assertThat(ids(t.get("/api/v1/budgets?component=" + enc(compA) + "&active=false"))).containsExactly(b);
        assertThat(ids(t.get("/api/v1/budgets?active=false"))).contains(b).doesNotContain(a, c);
        assertThat(ids(t.get("/api/v1/budgets?active=true"))).contains(a, c).doesNotContain(b);
        assertThat(ids(t.get("/api/v1/budgets?provider=" + enc(prov1)))).containsExactlyInAnyOrder(a, c);
        assertThat(ids(t.get("/api/v1/budgets?provider=" + enc(prov1) + "&component=" + enc(compB))))
                .containsExactly(c);
        assertThat(ids(t.get("/api/v1/budgets?component=" + enc(uniq("nobody"))))).isEmpty();
        assertError(t.get("/api/v1/budgets?active=maybe"), 400, "invalid_argument");
    }

    @Test
    void update_partial_keepsOtherFieldsAndEnforcesNewLimit() {
        String component = uniq("crud-update");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "Before");
        body.put("scope", Map.of("component", component, "provider", "openai"));
        body.put("limits", Map.of("weekly", 200, "monthly", 100));
        body.put("warning_percent", 70);
        body.put("stop_percent", 90);
        body.put("alert_thresholds", List.of(50, 75, 100));
        body.put("enforcement", "block");
        String id = Ledger.budget(t, body);
        JsonNode before = t.get("/api/v1/budgets/" + id).body();

        TestServer.Resp r = t.put("/api/v1/budgets/" + id, Map.of("name", "After"));

        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        JsonNode after = t.get("/api/v1/budgets/" + id).body();
        assertThat(after.get("name").asText()).isEqualTo("After");
        for (String f : List.of("budget_id", "scope", "limits", "warning_percent", "stop_percent", "alert_thresholds",
                "enforcement", "is_active", "created_at")) {
            assertThat(after.get(f)).as(f).isEqualTo(before.get(f));
        }
        assertThat(Instant.parse(after.get("updated_at").asText()))
                .isAfterOrEqualTo(Instant.parse(before.get("updated_at").asText()));

        // A second partial update: only the stop threshold and the limits change.
        r = t.put("/api/v1/budgets/" + id, Map.of("stop_percent", 99, "limits", Map.of("weekly", 200, "monthly", 50)));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        after = t.get("/api/v1/budgets/" + id).body();
        assertThat(after.get("name").asText()).isEqualTo("After");
        assertThat(after.get("warning_percent").asInt()).isEqualTo(70);
        assertThat(after.get("stop_percent").asInt()).isEqualTo(99);
        assertThat(after.get("alert_thresholds").toString()).isEqualTo("[50,75,100]");
        assertThat(after.get("scope")).isEqualTo(before.get("scope"));
        assertUsd(after.get("limits").get("monthly"), "50");
        assertUsd(Ledger.period(t, id, "monthly").get("limit"), "50");
        assertThat(check(t, component, "openai", "49").get("decision").asText()).isNotEqualTo("block");
        assertThat(check(t, component, "openai", "50").get("decision").asText()).isEqualTo("block");

        // The same body PUT again is accepted (a client may echo back what it read).
        Map<String, Object> echo = new HashMap<>();
        after.fields().forEachRemaining(e -> echo.put(e.getKey(), e.getValue()));
        TestServer.Resp same = t.put("/api/v1/budgets/" + id, echo);
        assertThat(same.status()).as(same.raw()).isEqualTo(200);
        assertThat(same.get("name").asText()).isEqualTo("After");
    }

    @Test
    void delete_thenGet_is404EnvelopeAndStopsCounting() {
        String component = uniq("crud-delete");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        assertThat(check(t, component, null, "20").get("decision").asText()).isEqualTo("block");

        TestServer.Resp r = t.delete("/api/v1/budgets/" + id);

        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("deleted").asBoolean()).isTrue();
        assertThat(r.get("budget_id").asText()).isEqualTo(id);
        JsonNode e = assertError(t.get("/api/v1/budgets/" + id), 404, "not_found");
        assertThat(e.get("message").asText()).contains(id);
        assertError(t.get("/api/v1/budgets/" + id + "/summary"), 404, "not_found");
        assertError(t.delete("/api/v1/budgets/" + id), 404, "not_found");
        assertError(t.put("/api/v1/budgets/" + id, Map.of("name", "ghost")), 404, "not_found");
        assertThat(ids(t.get("/api/v1/budgets"))).doesNotContain(id);
        JsonNode after = check(t, component, null, "20");
        assertThat(after.get("decision").asText()).as("no budget matches any more").isEqualTo("allow");
        assertThat(after.get("reasons").findValuesAsText("budget_id")).doesNotContain(id);
    }

    @Test
    void update_scope_recountsSpentFromTheLedger() {
        String compA = uniq("crud-scope-a");
        String compB = uniq("crud-scope-b");
        String id = Ledger.componentBudget(t, compA, Map.of("monthly", "100"));
        Ledger.record(t, compA, "openai", "gpt-4o", 1, 1, "1.25");
        Ledger.record(t, compB, "openai", "gpt-4o", 1, 1, "2.5");
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "1.25");

        TestServer.Resp r = t.put("/api/v1/budgets/" + id, Map.of("scope", Map.of("component", compB)));

        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), Ledger.ledgerSum(t, compB));
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "2.5");
        assertThat(check(t, compA, null, "99").get("reasons").findValuesAsText("budget_id")).doesNotContain(id);
        assertThat(check(t, compB, null, "99").get("reasons").findValuesAsText("budget_id")).contains(id);
    }

    @Test
    void create_afterDeleteWithSameId_survivesRestart() {
        try (TestServer s = TestServer.start()) {
            String id = uniq("crud-recreate");
            Ledger.budget(s, Map.of("budget_id", id, "name", "First", "limits", Map.of("daily", 1)));
            assertThat(s.delete("/api/v1/budgets/" + id).status()).isEqualTo(200);
            TestServer.Resp again = s.post("/api/v1/budgets", Map.of("budget_id", id, "name", "Second",
                    "limits", Map.of("daily", 2)));
            assertThat(again.status()).as(again.raw()).isEqualTo(201);
            assertThat(s.get("/api/v1/budgets/" + id).get("name").asText()).isEqualTo("Second");

            s.restart();

            TestServer.Resp got = s.get("/api/v1/budgets/" + id);
            assertThat(got.status()).as("a budget created again after a delete is still there after a restart: "
                    + got.raw()).isEqualTo(200);
            assertThat(got.get("name").asText()).isEqualTo("Second");
            assertUsd(got.get("limits").get("daily"), "2");
        }
    }

    @Test
    void create_duplicateId_is409AndKeepsTheOriginal() {
        String id = uniq("crud-dup");
        Ledger.budget(t, Map.of("budget_id", id, "name", "Original", "limits", Map.of("weekly", 5),
                "scope", Map.of("component", id)));

        TestServer.Resp r = t.post("/api/v1/budgets", Map.of("budget_id", id, "name", "Impostor",
                "limits", Map.of("weekly", 999), "scope", Map.of("component", "other")));

        JsonNode e = assertError(r, 409, "conflict");
        assertThat(e.get("details").get("budget_id").asText()).isEqualTo(id);
        JsonNode b = t.get("/api/v1/budgets/" + id).body();
        assertThat(b.get("name").asText()).isEqualTo("Original");
        assertUsd(b.get("limits").get("weekly"), "5");
        assertThat(ids(t.get("/api/v1/budgets")).stream().filter(id::equals).count()).isEqualTo(1);
    }

    @Test
    void seed_withSeedTrue_createsShippedDefaults() {
        try (TestServer s = TestServer.start(Map.of("SEED", "true"))) {
            Map<String, JsonNode> byId = new HashMap<>();
            s.get("/api/v1/budgets").body().get("items").forEach(b -> byId.put(b.get("budget_id").asText(), b));

            assertThat(byId).hasSize(5);
            JsonNode global = byId.get("global");
            assertThat(global).isNotNull();
            assertThat(global.get("scope").get("component").isNull()).isTrue();
            assertThat(global.get("scope").get("provider").isNull()).isTrue();
            assertThat(global.get("scope").get("model").isNull()).isTrue();
            assertUsd(global.get("limits").get("monthly"), "3000");
            Map<String, String> providers = Map.of("openai", "500", "anthropic", "500", "dataaxle", "800",
                    "hunter", "200");
            providers.forEach((p, limit) -> {
                JsonNode b = byId.get("provider-" + p);
                assertThat(b).as(p).isNotNull();
                assertThat(b.get("scope").get("provider").asText()).isEqualTo(p);
                assertThat(b.get("scope").get("component").isNull()).isTrue();
                assertUsd(b.get("limits").get("monthly"), limit);
            });
            for (JsonNode b : byId.values()) {
                assertThat(b.get("warning_percent").asInt()).as(b.toString()).isEqualTo(80);
                assertThat(b.get("stop_percent").asInt()).as(b.toString()).isEqualTo(95);
                assertThat(b.get("is_active").asBoolean()).isTrue();
                for (String p : List.of("hourly", "daily", "weekly")) {
                    assertThat(b.get("limits").get(p).isNull()).as(b + " " + p).isTrue();
                }
            }
            // The seed really counts: a hunter usage shows in the hunter and global budgets.
            Ledger.record(s, uniq("seed-comp"), "hunter", "email-finder", 0, 0, "12.5");
            assertUsd(Ledger.period(s, "provider-hunter", "monthly").get("spent"), "12.5");
            assertUsd(Ledger.period(s, "global", "monthly").get("spent"), "12.5");
            assertUsd(Ledger.period(s, "provider-openai", "monthly").get("spent"), "0");
            assertThat(s.get("/health").get("active_budgets").asInt()).isEqualTo(5);
        }
    }

    @Test
    void seed_deletedDefault_isNotReseededAfterRestart() {
        try (TestServer s = TestServer.start(Map.of("SEED", "true"))) {
            assertThat(s.delete("/api/v1/budgets/provider-hunter").status()).isEqualTo(200);
            s.restart();
            assertThat(ids(s.get("/api/v1/budgets"))).containsExactlyInAnyOrder("global", "provider-openai",
                    "provider-anthropic", "provider-dataaxle");
            assertError(s.get("/api/v1/budgets/provider-hunter"), 404, "not_found");

            // Even an emptied database that once held budgets is not seeded again.
            for (String id : List.of("global", "provider-openai", "provider-anthropic", "provider-dataaxle")) {
                assertThat(s.delete("/api/v1/budgets/" + id).status()).isEqualTo(200);
            }
            s.restart();
            assertThat(ids(s.get("/api/v1/budgets"))).isEmpty();
        }
    }
}
