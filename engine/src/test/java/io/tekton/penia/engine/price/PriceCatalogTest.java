package io.tekton.penia.engine.price;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceCatalogTest {
    private static final PriceCatalog CATALOG = PriceCatalog.loadDefault();

    private static String id(Optional<ModelPrice> price) {
        return price.map(p -> p.provider() + "/" + p.model()).orElse("<none>");
    }

    @Test
    void loadDefault_loadsTheShippedCatalog() {
        assertThat(CATALOG.size()).isGreaterThan(1000);
        assertThat(CATALOG.all()).hasSize(CATALOG.size());
        assertThat(CATALOG.providers()).contains("openai", "anthropic", "gemini", "mistral", "deepseek");
        assertThat(CATALOG.capabilities()).contains("vision", "function_calling", "reasoning", "prompt_caching");
        assertThat(CATALOG.source()).contains("litellm");
        assertThat(CATALOG.version()).startsWith("litellm-");
    }

    @Test
    void loadDefault_again_givesTheSameCatalog() {
        // Its load time is measured in bench (start-up at every database size), not here.
        PriceCatalog loaded = PriceCatalog.loadDefault();
        assertThat(loaded.size()).isEqualTo(CATALOG.size());
        assertThat(loaded.all()).isEqualTo(CATALOG.all());
    }

    @Test
    void loadDefault_keepsSourcePricesExactly() {
        ModelPrice gpt4o = CATALOG.exact("openai", "gpt-4o").orElseThrow();

        // Source: input 2.5e-06, output 1e-05, cache read 1.25e-06, no cache write.
        assertThat(gpt4o.inputPerToken()).isEqualByComparingTo("0.0000025");
        assertThat(gpt4o.outputPerToken()).isEqualByComparingTo("0.00001");
        assertThat(gpt4o.cacheReadPerToken()).isEqualByComparingTo("0.00000125");
        assertThat(gpt4o.cacheWritePerToken()).isNull();
        assertThat(gpt4o.reasoningPerToken()).isNull();
        assertThat(gpt4o.maxInputTokens()).isEqualTo(128_000L);
        assertThat(gpt4o.maxOutputTokens()).isEqualTo(16_384L);
        assertThat(gpt4o.capabilities()).contains("vision", "function_calling").doesNotContain("reasoning");
        // A float artefact of the source survives untouched (no rounding on the way).
        assertThat(CATALOG.all()).anyMatch(p -> p.inputPerToken().toPlainString().equals("0.0000029999900000000002"));
    }

    @Test
    void loadDefault_readsDeprecationDates() {
        ModelPrice opus4 = CATALOG.exact("anthropic", "claude-opus-4-20250514").orElseThrow();

        assertThat(opus4.deprecationDate()).hasToString("2026-05-14");
    }

    /** Provider (none when empty) and model as callers send them, and the catalog entry each resolves to. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        // Exact provider and model.
        "openai, gpt-4o, openai/gpt-4o",
        "azure, gpt-4o, azure/gpt-4o",
        "anthropic, claude-sonnet-4-5-20250929, anthropic/claude-sonnet-4-5-20250929",
        // Case does not matter, nor spaces around.
        "OpenAI, GPT-4o, openai/gpt-4o",
        ", ' Claude-Sonnet-4-5 ', anthropic/claude-sonnet-4-5",
        // The model named with its provider's prefix.
        ", openai/gpt-4o, openai/gpt-4o",
        ", anthropic/claude-sonnet-4-5, anthropic/claude-sonnet-4-5",
        "openai, openai/gpt-4o-mini, openai/gpt-4o-mini",
        ", gemini/gemini-2.5-pro, gemini/gemini-2.5-pro",
        ", vertex_ai/claude-sonnet-4-5, vertex_ai-anthropic_models/claude-sonnet-4-5",
        // A reseller's route is part of the model name.
        "openrouter, anthropic/claude-sonnet-4.5, openrouter/anthropic/claude-sonnet-4.5",
        ", openrouter/anthropic/claude-sonnet-4.5, openrouter/anthropic/claude-sonnet-4.5",
        // Without a provider the maker's own entry wins (gpt-4o is also sold by azure, claude-sonnet-4-5 by
        // vertex, bedrock, snowflake...).
        ", gpt-4o, openai/gpt-4o",
        ", claude-sonnet-4-5, anthropic/claude-sonnet-4-5",
        ", gemini-2.5-pro, gemini/gemini-2.5-pro",
        ", mistral-large-latest, mistral/mistral-large-latest",
        ", deepseek-chat, deepseek/deepseek-chat",
        "'', gpt-4o, openai/gpt-4o",
        // Dated and undated names are aliases: undated -> the only dated snapshot; an unknown snapshot -> the
        // undated name; ISO-dated and vertex @-dated names.
        "anthropic, claude-3-7-sonnet, anthropic/claude-3-7-sonnet-20250219",
        "anthropic, claude-sonnet-4-6-20260301, anthropic/claude-sonnet-4-6",
        ", claude-haiku-4-5-20991231, anthropic/claude-haiku-4-5",
        "openai, gpt-4o-2099-01-01, openai/gpt-4o",
        "vertex_ai, claude-haiku-4-5@20991231, vertex_ai-anthropic_models/claude-haiku-4-5",
        // A -latest suffix and version dots are aliases.
        "openai, gpt-4o-latest, openai/gpt-4o",
        "mistral, mistral-large, mistral/mistral-large-latest",
        "anthropic, claude-3-7-sonnet-latest, anthropic/claude-3-7-sonnet-20250219",
        "anthropic, claude-sonnet-4.5, anthropic/claude-sonnet-4-5",
        // Provider aliases and families.
        "google, gemini-2.5-flash, gemini/gemini-2.5-flash",
        "vertex_ai, claude-sonnet-4-5, vertex_ai-anthropic_models/claude-sonnet-4-5",
        "vertex_ai, vertex_ai/claude-sonnet-4-5, vertex_ai-anthropic_models/claude-sonnet-4-5"})
    void resolve(String provider, String model, String expected) {
        assertThat(id(CATALOG.resolve(provider, model))).isEqualTo(expected);
    }

    @Test
    void resolve_explicitProvider_isNeverSwappedForAnother() {
        assertThat(CATALOG.resolve("openai", "claude-sonnet-4-5")).isEmpty();
        assertThat(CATALOG.resolve("dataaxle", "gpt-4o")).isEmpty();
    }

    @Test
    void resolve_unknownModel_isEmpty() {
        assertThat(CATALOG.resolve(null, "no-such-model-9000")).isEmpty();
        assertThat(CATALOG.resolve("anthropic", "claude-unknown-9")).isEmpty();
        assertThat(CATALOG.resolve(null, "openai/no-such-model")).isEmpty();
        assertThat(CATALOG.resolve(null, null)).isEmpty();
        assertThat(CATALOG.resolve("openai", "  ")).isEmpty();
        assertThat(CATALOG.resolve(null, "x".repeat(10_000))).isEmpty();
    }

    @Test
    void resolve_isDeterministicAcrossLoads() {
        PriceCatalog other = PriceCatalog.loadDefault();
        for (String model : List.of("gpt-4o", "claude-3-7-sonnet", "llama-3.3-70b-versatile",
                "meta-llama/Llama-3.3-70B-Instruct-Turbo", "gemini-2.0-flash", "qwen-turbo")) {
            assertThat(other.resolve(null, model)).as(model).isEqualTo(CATALOG.resolve(null, model));
        }
    }

    @Test
    void withOverride_replacesOneEntry_andLeavesTheOriginalUntouched() {
        ModelPrice original = CATALOG.exact("openai", "gpt-4o").orElseThrow();
        ModelPrice cheaper = ModelPrice.of("openai", "gpt-4o", new BigDecimal("0.000001"), new BigDecimal("0.000004"));

        PriceCatalog overridden = CATALOG.withOverride(cheaper);

        assertThat(overridden.size()).isEqualTo(CATALOG.size());
        assertThat(overridden.resolve(null, "gpt-4o")).contains(cheaper);
        assertThat(overridden.resolve("openai", "openai/GPT-4o")).contains(cheaper);
        assertThat(CATALOG.resolve(null, "gpt-4o")).contains(original);
        assertThat(overridden.version()).isEqualTo(CATALOG.version());
    }

    @Test
    void withOverride_addsAModelTheCatalogLacks() {
        ModelPrice custom = ModelPrice.of("dataaxle", "company-lookup", new BigDecimal("0.00001"), BigDecimal.ZERO);

        PriceCatalog extended = CATALOG.withOverride(custom);

        assertThat(extended.size()).isEqualTo(CATALOG.size() + 1);
        assertThat(extended.resolve("DataAxle", "company-lookup")).contains(custom);
        assertThat(extended.resolve(null, "company-lookup")).contains(custom);
        assertThat(CATALOG.resolve(null, "company-lookup")).isEmpty();
    }

    @Test
    void withOverride_patchResolvesExactlyLikeAFullRebuild() {
        List<ModelPrice> overrides = List.of(
                ModelPrice.of("openai", "GPT-4o", new BigDecimal("0.000001"), new BigDecimal("0.000002")),
                ModelPrice.of("anthropic", "claude-sonnet-4-5-20991231", BigDecimal.ONE, BigDecimal.ONE),
                ModelPrice.of("acme", "gpt-4o", new BigDecimal("0.0000001"), new BigDecimal("0.0000001")),
                ModelPrice.of("acme", "claude-3-7-sonnet", BigDecimal.ZERO, BigDecimal.ZERO),
                ModelPrice.of("vertex_ai-anthropic_models", "claude-sonnet-4-5",
                        new BigDecimal("0.000004"), new BigDecimal("0.00002")));
        PriceCatalog patched = CATALOG;
        for (ModelPrice override : overrides) {
            patched = patched.withOverride(override);
        }
        List<ModelPrice> merged = new java.util.ArrayList<>(CATALOG.all());
        merged.addAll(overrides);
        PriceCatalog rebuilt = PriceCatalog.of(merged);

        assertThat(patched.all()).containsExactlyElementsOf(rebuilt.all());
        assertThat(patched.capabilities()).isEqualTo(rebuilt.capabilities());
        String[][] queries = {
                {null, "gpt-4o"}, {"openai", "gpt-4o-latest"}, {"acme", "gpt-4o"}, {null, "claude-sonnet-4-5"},
                {"anthropic", "claude-sonnet-4-5-20991231"}, {"anthropic", "claude-sonnet-4-5-20990101"},
                {null, "claude-3-7-sonnet"}, {"vertex_ai", "claude-sonnet-4-5"}, {null, "acme/claude-3-7-sonnet"},
                {"acme", "claude-3-7-sonnet-latest"}, {null, "vertex_ai/claude-sonnet-4-5"}};
        for (String[] q : queries) {
            assertThat(patched.resolve(q[0], q[1])).as(q[0] + " " + q[1]).isEqualTo(rebuilt.resolve(q[0], q[1]));
        }
        assertThat(CATALOG.withOverrides(overrides).all()).containsExactlyElementsOf(rebuilt.all());
    }

    @Test
    void all_isSortedAndUnmodifiable() {
        assertThat(CATALOG.all()).isSortedAccordingTo(Comparator.comparing(ModelPrice::provider));
        assertThatThrownBy(() -> CATALOG.all().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> CATALOG.all().get(0).capabilities().add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void of_laterPriceForTheSamePairWins() {
        ModelPrice first = ModelPrice.of("p", "m", BigDecimal.ONE, BigDecimal.ONE);
        ModelPrice second = ModelPrice.of("P", "M", BigDecimal.ZERO, BigDecimal.ZERO);

        PriceCatalog catalog = PriceCatalog.of(List.of(first, second));

        assertThat(catalog.size()).isEqualTo(1);
        assertThat(catalog.resolve("p", "m")).contains(second);
        assertThat(PriceCatalog.empty().resolve(null, "gpt-4o")).isEmpty();
    }

    @Test
    void read_invalidEntry_namesTheEntry() {
        String json = """
                {"source":"test","models":[
                  {"provider":"p","model":"ok","key":"p/ok","input_per_token":"0.1","output_per_token":"0.2","capabilities":[]},
                  {"provider":"p","model":"bad","key":"p/bad","input_per_token":"-1","output_per_token":"0.2","capabilities":[]}
                ]}""";

        assertThatThrownBy(() -> PriceCatalog.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("#1 (p/bad)")
                .hasMessageContaining("input_per_token");
    }

    @Test
    void isFirstParty_makersOnly() {
        assertThat(PriceCatalog.isFirstParty("openai")).isTrue();
        assertThat(PriceCatalog.isFirstParty("Anthropic")).isTrue();
        assertThat(PriceCatalog.isFirstParty("openrouter")).isFalse();
        assertThat(PriceCatalog.isFirstParty(null)).isFalse();
        assertThat(Set.of("azure", "bedrock", "vertex_ai-anthropic_models"))
                .noneMatch(PriceCatalog::isFirstParty);
    }
}
