package io.tekton.penia.it.prices;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Price versions: a change mid-month keeps old costs, prices new records, sums both. */
@PeniaServerTest
class PriceVersionTest {
    static TestServer t;

    static JsonNode record(String component, String model, long in, long out, long cached) {
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", component, "provider", "acme",
                "model", model, "input_tokens", in, "output_tokens", out, "cached_input_tokens", cached));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body();
    }

    @Test
    void priceChangeMidMonth_oldRecordsKeepTheirCost_newOnesUseTheNewPrice_summaryAddsBoth() {
        String c = "prices-" + UUID.randomUUID();
        String model = "model-" + UUID.randomUUID().toString().substring(0, 8);
        // Unknown model first: unpriced, never $0 silently.
        JsonNode unpriced = record(c, model, 1000, 100, 0);
        assertThat(unpriced.get("cost_source").asText()).isEqualTo("unpriced");
        TestServer.Resp v1 = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 2, "output_per_million", 10,
                "cache_read_per_million", new BigDecimal("0.5"), "max_input_tokens", 100000,
                "capabilities", List.of("function_calling")));
        assertThat(v1.status()).as(v1.raw()).isEqualTo(200);
        String version1 = v1.get("price_version").asText();
        // 1000 in (200 cached) + 100 out: 800×2e-6 + 200×0.5e-6 + 100×10e-6 = 0.0016 + 0.0001 + 0.001 = 0.0027
        JsonNode a = record(c, model, 1000, 100, 200);
        assertThat(a.get("cost").decimalValue()).isEqualByComparingTo("0.0027");
        assertThat(a.get("price_version").asText()).isEqualTo(version1);
        TestServer.Resp v2 = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 4, "output_per_million", 20));
        String version2 = v2.get("price_version").asText();
        assertThat(version2).isNotEqualTo(version1);
        JsonNode b = record(c, model, 1000, 100, 200);
        // The cache-read price is kept from v1 (fields not given keep the current values).
        assertThat(b.get("cost").decimalValue()).isEqualByComparingTo("0.0053");
        assertThat(b.get("price_version").asText()).isEqualTo(version2);
        List<JsonNode> rows = new java.util.ArrayList<>();
        t.get("/api/v1/usage/records?component=" + c).body().get("items").forEach(rows::add);
        assertThat(rows).extracting(r -> r.get("cost").decimalValue().stripTrailingZeros().toPlainString())
                .containsExactly("0.0053", "0.0027", "0");
        assertThat(t.post("/api/v1/usage/summary", Map.of("component", c)).get("total_cost").decimalValue())
                .isEqualByComparingTo("0.008");
        JsonNode history = t.get("/api/v1/prices/acme/" + model).get("history");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("price_version").asText()).isEqualTo(version1);
        // Money in the history is a JSON number, like everywhere else (SPEC §2).
        assertThat(history.get(1).get("input_per_token").isNumber()).as(history.toString()).isTrue();
        assertThat(history.get(1).get("input_per_token").decimalValue()).isEqualByComparingTo("0.000004");
        assertThat(history.get(1).get("output_per_million").decimalValue()).isEqualByComparingTo("20");
        assertThat(history.get(1).get("price_version").asText()).isEqualTo(version2);
        // Versions survive a restart, and the old record keeps its cost.
        t.restart();
        assertThat(record(c, model, 1000, 100, 200).get("price_version").asText()).isEqualTo(version2);
        assertThat(t.post("/api/v1/usage/summary", Map.of("component", c)).get("total_cost").decimalValue())
                .isEqualByComparingTo("0.0133");
    }

    /** Many catalog models have '/' in their names: reachable raw or encoded, and versioned the same way. */
    @Test
    void modelNamesWithSlashes_canBeReadAndVersioned() {
        JsonNode raw = t.get("/api/v1/prices/deepinfra/meta-llama/Llama-3.2-3B-Instruct").body();
        assertThat(raw.get("model").asText()).isEqualTo("meta-llama/Llama-3.2-3B-Instruct");
        assertThat(t.get("/api/v1/prices/deepinfra/meta-llama%2FLlama-3.2-3B-Instruct").body()).isEqualTo(raw);
        String model = "org-" + UUID.randomUUID().toString().substring(0, 8) + "/chat-1";
        TestServer.Resp put = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 1, "output_per_million", 2));
        assertThat(put.status()).as(put.raw()).isEqualTo(200);
        assertThat(put.get("model").asText()).isEqualTo(model);
        String c = "slash-" + UUID.randomUUID();
        assertThat(record(c, model, 1000, 10, 0).get("cost").decimalValue()).isEqualByComparingTo("0.00102");
        JsonNode got = t.get("/api/v1/prices/acme/" + model).body();
        assertThat(got.get("price_version").asText()).isEqualTo(put.get("price_version").asText());
        assertThat(got.get("history")).hasSize(1);
        assertThat(t.get("/api/v1/prices/acme/" + model + "/nope").status()).isEqualTo(404);
    }

    @Test
    void catalogModel_isCostedWithCacheAndReasoningTokens_andVersioned() {
        String c = "catalog-" + UUID.randomUUID();
        JsonNode price = t.get("/api/v1/prices/openai/gpt-4o").body();
        BigDecimal in = price.get("input_per_token").decimalValue();
        BigDecimal out = price.get("output_per_token").decimalValue();
        BigDecimal cached = price.get("cache_read_per_token").decimalValue();
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 10000, "output_tokens", 2000, "cached_input_tokens", 4000));
        BigDecimal expected = in.multiply(BigDecimal.valueOf(6000)).add(cached.multiply(BigDecimal.valueOf(4000)))
                .add(out.multiply(BigDecimal.valueOf(2000)));
        assertThat(r.get("cost").decimalValue()).isEqualByComparingTo(expected.setScale(6, java.math.RoundingMode.HALF_UP));
        assertThat(r.get("price_version").asText()).startsWith("catalog:");
    }

    @Test
    void longPrompt_isBilledAtTheTiersRates_catalogAndAdminPricesAlike_andSurvivesRestart() {
        String c = "tiers-" + UUID.randomUUID();
        JsonNode gemini = t.get("/api/v1/prices/gemini/gemini-2.5-pro").body();
        assertThat(gemini.get("tiers").get(0).get("above_input_tokens").asLong()).isEqualTo(200_000);
        // 250k prompt (50k cached) + 10k out at the >200k rates: 200000×2.5e-6 + 50000×2.5e-7 + 10000×1.5e-5 = $0.6625
        TestServer.Resp longCall = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "gemini",
                "model", "gemini-2.5-pro", "input_tokens", 250_000, "output_tokens", 10_000, "cached_input_tokens", 50_000));
        assertThat(longCall.status()).as(longCall.raw()).isEqualTo(201);
        assertThat(longCall.get("cost").decimalValue()).isEqualByComparingTo("0.6625");

        String model = "tiered-" + UUID.randomUUID().toString().substring(0, 8);
        TestServer.Resp put = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 1, "output_per_million", 2,
                "tiers", List.of(Map.of("above_input_tokens", 1000, "input_per_million", 3))));
        assertThat(put.status()).as(put.raw()).isEqualTo(200);
        // 1000 tokens: base (1000×1e-6 + 10×2e-6 = 0.00102); 1001: input at 3e-6, output at the base 2e-6.
        assertThat(record(c, model, 1000, 10, 0).get("cost").decimalValue()).isEqualByComparingTo("0.00102");
        assertThat(record(c, model, 1001, 10, 0).get("cost").decimalValue()).isEqualByComparingTo("0.003023");
        TestServer.Resp bad = t.put("/api/v1/prices/acme/" + model, Map.of("input_per_million", 1, "output_per_million", 2,
                "tiers", List.of(Map.of("above_input_tokens", 1000, "input_per_million", 3, "colour", "red"))));
        assertThat(bad.status()).as(bad.raw()).isEqualTo(400);
        t.restart();
        assertThat(t.get("/api/v1/prices/acme/" + model).get("tiers").get(0).get("above_input_tokens").asLong())
                .isEqualTo(1000);
        assertThat(record(c, model, 1001, 10, 0).get("cost").decimalValue()).isEqualByComparingTo("0.003023");
    }

    @Test
    void recommend_respectsCapabilitiesContextAndMaxCost() {
        TestServer.Resp r = t.post("/api/v1/prices/recommend", Map.of("required_capabilities", List.of("vision"),
                "estimated_input_tokens", 150000, "estimated_output_tokens", 1000, "max_cost", 0.5,
                "current_provider", "openai", "current_model", "gpt-4o"));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        JsonNode recs = r.get("recommendations");
        assertThat(recs.size()).isGreaterThan(0);
        BigDecimal prev = BigDecimal.ZERO;
        for (JsonNode x : recs) {
            JsonNode p = t.get("/api/v1/prices/" + x.get("provider").asText() + "/"
                    + java.net.URLEncoder.encode(x.get("model").asText(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20")).body();
            if (p.has("capabilities")) {
                assertThat(p.get("capabilities").toString()).contains("vision");
                assertThat(p.get("max_input_tokens").asLong()).isGreaterThanOrEqualTo(150000);
            }
            assertThat(x.get("estimated_cost").decimalValue()).isLessThanOrEqualTo(new BigDecimal("0.5"));
            assertThat(x.get("estimated_cost").decimalValue()).isGreaterThanOrEqualTo(prev);
            prev = x.get("estimated_cost").decimalValue();
            assertThat(x.get("reason").asText()).isNotBlank();
        }
    }
}
