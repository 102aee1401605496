package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budget bodies as Tekton's budget CLI writes them (Budget/budget/cli/main.py: name,
 * description, owner; Budget/budget/api/models.py CreateBudgetRequest): description and owner
 * are accepted, stored and returned by every view of the budget.
 */
@PeniaServerTest
class TektonBudgetBodyTest {
    static TestServer t;

    @Test
    void descriptionAndOwner_areAcceptedStoredAndReturned() {
        TestServer.Resp c = t.post("/api/v1/budgets", Map.of("name", "Default Budget",
                "description", "Default budget created by CLI", "owner", "cli_user", "limits", Map.of("daily", 5)));
        assertThat(c.status()).as(c.raw()).isEqualTo(201);
        String id = c.get("budget_id").asText();
        assertThat(c.get("description").asText()).isEqualTo("Default budget created by CLI");
        assertThat(c.get("owner").asText()).isEqualTo("cli_user");

        JsonNode got = t.get("/api/v1/budgets/" + id).body();
        assertThat(got.get("description").asText()).isEqualTo("Default budget created by CLI");
        assertThat(got.get("owner").asText()).isEqualTo("cli_user");

        // UpdateBudgetRequest: a field given replaces, one left out stays.
        TestServer.Resp u = t.put("/api/v1/budgets/" + id, Map.of("description", "Production environment budget"));
        assertThat(u.status()).as(u.raw()).isEqualTo(200);
        assertThat(u.get("description").asText()).isEqualTo("Production environment budget");
        assertThat(u.get("owner").asText()).isEqualTo("cli_user");

        t.restart();
        JsonNode listed = null;
        for (JsonNode b : t.get("/api/v1/budgets").get("items")) {
            if (b.get("budget_id").asText().equals(id)) {
                listed = b;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("description").asText()).isEqualTo("Production environment budget");
        assertThat(listed.get("owner").asText()).isEqualTo("cli_user");
    }

    @Test
    void withoutThem_theyAreNull_andHostileValuesAreRefusedWithNothingWritten() {
        TestServer.Resp c = t.post("/api/v1/budgets", Map.of("name", "plain", "limits", Map.of("monthly", 5)));
        assertThat(c.status()).as(c.raw()).isEqualTo(201);
        assertThat(c.body().has("description")).isTrue();
        assertThat(c.get("description").isNull()).isTrue();
        assertThat(c.get("owner").isNull()).isTrue();

        int before = t.get("/api/v1/budgets").get("count").asInt();
        TestServer.Resp longText = t.post("/api/v1/budgets", Map.of("name", "too long", "description", "x".repeat(2001),
                "limits", Map.of("monthly", 5)));
        assertThat(longText.status()).as(longText.raw()).isEqualTo(400);
        assertThat(longText.get("error").get("code").asText()).isEqualTo("invalid_argument");
        assertThat(longText.raw()).contains("description");
        TestServer.Resp number = t.post("/api/v1/budgets", Map.of("name", "typed", "owner", 42,
                "limits", Map.of("monthly", 5)));
        assertThat(number.status()).isEqualTo(400);
        assertThat(number.raw()).contains("owner");
        assertThat(t.get("/api/v1/budgets").get("count").asInt()).isEqualTo(before);
    }
}
