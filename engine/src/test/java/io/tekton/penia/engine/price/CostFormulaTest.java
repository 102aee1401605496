package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The formula of SPEC §3 against costs worked out by hand from the prices of the source
 * file (/work/shared/data/model_prices.json, LiteLLM). Each case shows its arithmetic; the
 * catalog entry is looked up exactly, so a converter that changed a price would fail here.
 */
class CostFormulaTest {
    private static final PriceCatalog CATALOG = PriceCatalog.loadDefault();

    static Stream<Arguments> realModels() {
        return Stream.of(
                // in 2.5e-6, out 1e-5, cache read 1.25e-6:
                // 6000×2.5e-6 + 4000×1.25e-6 + 2000×1e-5 = 0.015 + 0.005 + 0.02 = $0.04
                arguments("openai", "gpt-4o", new TokenCounts(10_000, 2_000, 4_000, 0, 0), 40_000L),
                // no cache-write price: the 1000 written tokens cost the input price.
                // 5000×2.5e-6 + 4000×1.25e-6 + 1000×2.5e-6 + 2000×1e-5 = 0.0125+0.005+0.0025+0.02 = $0.04
                arguments("openai", "gpt-4o", new TokenCounts(10_000, 2_000, 4_000, 1_000, 0), 40_000L),
                // 500000×1.5e-7 + 500000×7.5e-8 + 100000×6e-7 = 0.075 + 0.0375 + 0.06 = $0.1725
                arguments("openai", "gpt-4o-mini", new TokenCounts(1_000_000, 100_000, 500_000, 0, 0), 172_500L),
                // reasoning not priced apart: all 5000 output tokens at 8e-6.
                // 20000×2e-6 + 5000×8e-6 = 0.04 + 0.04 = $0.08
                arguments("openai", "o3", new TokenCounts(20_000, 5_000, 0, 0, 3_000), 80_000L),
                // 10000×1.1e-6 + 2345×2.75e-7 + 6789×4.4e-6 = 0.011 + 0.000644875 + 0.0298716
                // = $0.041516475 → 41516.475 µ$ → 41516
                arguments("openai", "o4-mini", new TokenCounts(12_345, 6_789, 2_345, 0, 0), 41_516L),
                // 1000000×2e-6 + 32768×8e-6 = 2 + 0.262144 = $2.262144
                arguments("openai", "gpt-4.1", TokenCounts.of(1_000_000, 32_768), 2_262_144L),
                // 72000×1.25e-6 + 200000×1.25e-7 + 128000×1e-5 = 0.09 + 0.025 + 1.28 = $1.395
                arguments("openai", "gpt-5", new TokenCounts(272_000, 128_000, 200_000, 0, 100_000), 1_395_000L),
                // 2×2.5e-7 = $0.0000005 = 0.5 µ$ → half-up → 1
                arguments("openai", "gpt-5-mini", TokenCounts.of(2, 0), 1L),
                // in 3e-6, out 1.5e-5, read 3e-7, write 3.75e-6:
                // 10000×3e-6 + 30000×3e-7 + 10000×3.75e-6 + 4000×1.5e-5 = 0.03+0.009+0.0375+0.06 = $0.1365
                arguments("anthropic", "claude-sonnet-4-5", new TokenCounts(50_000, 4_000, 30_000, 10_000, 0),
                        136_500L),
                // 8000×1.875e-5 + 1000×7.5e-5 = 0.15 + 0.075 = $0.225
                arguments("anthropic", "claude-opus-4-1", new TokenCounts(8_000, 1_000, 0, 8_000, 0), 225_000L),
                // 5000×5e-6 + 10000×5e-7 + 5000×6.25e-6 + 3000×2.5e-5 = 0.025+0.005+0.03125+0.075 = $0.13625
                arguments("anthropic", "claude-opus-4-5", new TokenCounts(20_000, 3_000, 10_000, 5_000, 0),
                        136_250L),
                // 3×1e-6 + 7×5e-6 = 0.000003 + 0.000035 = $0.000038
                arguments("anthropic", "claude-haiku-4-5", TokenCounts.of(3, 7), 38L),
                // 1000×3e-6 + 100×1.5e-5 = 0.003 + 0.0015 = $0.0045
                arguments("vertex_ai-anthropic_models", "claude-sonnet-4-5", TokenCounts.of(1_000, 100), 4_500L),
                // 40000×1.25e-6 + 60000×1.25e-7 + 8000×1e-5 = 0.05 + 0.0075 + 0.08 = $0.1375
                arguments("gemini", "gemini-2.5-pro", new TokenCounts(100_000, 8_000, 60_000, 0, 0), 137_500L),
                // long context: a prompt above 200k tokens is billed at the tier's rates for the whole call
                // (in 2.5e-6, out 1.5e-5, read 2.5e-7): 200000×2.5e-6 + 50000×2.5e-7 + 10000×1.5e-5
                // = 0.5 + 0.0125 + 0.15 = $0.6625
                arguments("gemini", "gemini-2.5-pro", new TokenCounts(250_000, 10_000, 50_000, 0, 0), 662_500L),
                // exactly 200k is not above: base rates. 200000×1.25e-6 + 1000×1e-5 = 0.25 + 0.01 = $0.26
                arguments("gemini", "gemini-2.5-pro", TokenCounts.of(200_000, 1_000), 260_000L),
                // above 200k at Anthropic (in 6e-6, out 2.25e-5, read 6e-7, write 7.5e-6):
                // 150000×6e-6 + 100000×6e-7 + 50000×7.5e-6 + 2000×2.25e-5 = 0.9 + 0.06 + 0.375 + 0.045 = $1.38
                arguments("anthropic", "claude-sonnet-4-20250514", new TokenCounts(300_000, 2_000, 100_000, 50_000, 0),
                        1_380_000L),
                // reasoning priced apart (2.5e-6, same as output):
                // 10000×3e-7 + 1000×2.5e-6 + 4000×2.5e-6 = 0.003 + 0.0025 + 0.01 = $0.0155
                arguments("gemini", "gemini-2.5-flash", new TokenCounts(10_000, 5_000, 0, 0, 4_000), 15_500L),
                // 1000×1e-7 + 500×4e-7 = 0.0001 + 0.0002 = $0.0003
                arguments("gemini", "gemini-2.0-flash", TokenCounts.of(1_000, 500), 300L),
                // cache write priced 0: 2000×2.8e-7 + 6000×2.8e-8 + 2000×0 + 1000×4.2e-7
                // = 0.00056 + 0.000168 + 0 + 0.00042 = $0.001148
                arguments("deepseek", "deepseek-chat", new TokenCounts(10_000, 1_000, 6_000, 2_000, 0), 1_148L),
                // 1000×2.8e-7 + 2000×4.2e-7 = 0.00028 + 0.00084 = $0.00112
                arguments("deepseek", "deepseek-reasoner", new TokenCounts(1_000, 2_000, 0, 0, 1_500), 1_120L),
                // no cache prices at all: every prompt token at 5e-7.
                // 10000×5e-7 + 1000×1.5e-6 = 0.005 + 0.0015 = $0.0065
                arguments("mistral", "mistral-large-latest", new TokenCounts(10_000, 1_000, 5_000, 2_000, 0),
                        6_500L),
                // 1000000×6e-8 + 1000000×1.8e-7 = 0.06 + 0.18 = $0.24
                arguments("mistral", "mistral-small-latest", TokenCounts.of(1_000_000, 1_000_000), 240_000L),
                // no cache price: 100000×3e-6 + 2000×1.5e-5 = 0.3 + 0.03 = $0.33
                arguments("xai", "grok-4", new TokenCounts(100_000, 2_000, 50_000, 0, 0), 330_000L),
                // reasoning dearer than output (4e-6 vs 1.2e-6):
                // 1000×4e-7 + 1000×1.2e-6 + 2000×4e-6 = 0.0004 + 0.0012 + 0.008 = $0.0096
                arguments("dashscope", "qwen-plus-2025-07-14", new TokenCounts(1_000, 3_000, 0, 0, 2_000), 9_600L),
                // 2000×2e-6 + 2000×8e-6 + 8000×3e-6 = 0.004 + 0.016 + 0.024 = $0.044
                arguments("perplexity", "sonar-deep-research", new TokenCounts(2_000, 10_000, 0, 0, 8_000),
                        44_000L),
                // 7777×5.9e-7 + 3333×7.9e-7 = 0.00458843 + 0.00263307 = $0.0072215 → 7221.5 µ$ → 7222
                arguments("groq", "llama-3.3-70b-versatile", TokenCounts.of(7_777, 3_333), 7_222L));
    }

    @ParameterizedTest(name = "{0}/{1} {2} = {3} µ$")
    @MethodSource("realModels")
    void costMicros_realModel_matchesHandComputedCost(String provider, String model, TokenCounts tokens,
                                                      long expectedMicros) {
        ModelPrice price = CATALOG.exact(provider, model).orElseThrow(
                () -> new AssertionError(provider + "/" + model + " is not in the catalog"));

        assertThat(CostFormula.costMicros(price, tokens)).isEqualTo(expectedMicros);
    }

    @Test
    void costUsd_isExactBeforeRounding() {
        ModelPrice o4mini = CATALOG.exact("openai", "o4-mini").orElseThrow();

        BigDecimal usd = CostFormula.costUsd(o4mini, new TokenCounts(12_345, 6_789, 2_345, 0, 0));

        assertThat(usd).isEqualByComparingTo("0.041516475");
    }

    @Test
    void costMicros_roundsOnceAtTheEnd_notPerTerm() {
        // Each term alone is 0.4 µ$ and would round to 0; the sum 0.8 µ$ rounds to 1.
        ModelPrice price = ModelPrice.of("test", "m", new BigDecimal("0.0000004"), new BigDecimal("0.0000004"));

        assertThat(CostFormula.costMicros(price, TokenCounts.of(1, 1))).isEqualTo(1L);
        assertThat(CostFormula.costUsd(price, TokenCounts.of(1, 1))).isEqualByComparingTo("0.0000008");
    }

    @Test
    void costMicros_halfMicroDollar_roundsUp() {
        ModelPrice price = ModelPrice.of("test", "m", new BigDecimal("0.0000005"), BigDecimal.ZERO);

        assertThat(CostFormula.costMicros(price, TokenCounts.of(1, 0))).isEqualTo(1L);
        assertThat(CostFormula.costMicros(price, TokenCounts.of(3, 0))).isEqualTo(2L);
    }

    @Test
    void costMicros_missingCachePrices_chargeInputPrice() {
        ModelPrice plain = ModelPrice.of("test", "m", new BigDecimal("0.000002"), new BigDecimal("0.000008"));
        TokenCounts cached = new TokenCounts(1_000, 100, 600, 300, 0);

        // Same as 1000 plain input tokens: 1000×2e-6 + 100×8e-6 = 0.002 + 0.0008
        assertThat(CostFormula.costMicros(plain, cached))
                .isEqualTo(CostFormula.costMicros(plain, TokenCounts.of(1_000, 100)))
                .isEqualTo(2_800L);
    }

    @Test
    void costMicros_reasoningNotPricedApart_isPlainOutput() {
        ModelPrice plain = ModelPrice.of("test", "m", BigDecimal.ZERO, new BigDecimal("0.00001"));

        assertThat(CostFormula.costMicros(plain, new TokenCounts(0, 1_000, 0, 0, 900))).isEqualTo(10_000L);
    }

    @Test
    void costMicros_noTokens_isZero() {
        ModelPrice price = CATALOG.exact("anthropic", "claude-opus-4-1").orElseThrow();

        assertThat(CostFormula.costMicros(price, TokenCounts.ZERO)).isZero();
    }

    @Test
    void costMicros_largestTokenCountsAtLargestPrice_doNotOverflow() {
        BigDecimal max = ModelPrice.MAX_USD_PER_TOKEN;
        ModelPrice dearest = new ModelPrice("test", "m", max, max, max, max, max, null, null, Set.of());
        long most = TokenCounts.MAX_TOKENS;

        long micros = CostFormula.costMicros(dearest, new TokenCounts(most, most, most / 2, most / 2, most));

        assertThat(micros).isEqualTo(2 * most * 1_000_000L);
    }

    @Test
    void tokenCounts_negative_isInvalidNamingTheField() {
        assertThatThrownBy(() -> new TokenCounts(-1, 0, 0, 0, 0))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("input_tokens")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new TokenCounts(0, 0, 0, 0, -5))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("reasoning_tokens");
    }

    @Test
    void tokenCounts_cachedPlusWrittenAboveInput_isInvalid() {
        assertThatThrownBy(() -> new TokenCounts(100, 0, 80, 30, 0))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("(80 + 30)")
                .hasMessageContaining("input_tokens (100)");
    }

    @Test
    void tokenCounts_reasoningAboveOutput_isInvalid() {
        assertThatThrownBy(() -> new TokenCounts(0, 10, 0, 0, 11))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("reasoning_tokens");
    }

    @Test
    void tokenCounts_aboveLimit_isInvalid() {
        assertThatThrownBy(() -> TokenCounts.of(TokenCounts.MAX_TOKENS + 1, 0))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("at most");
    }

    @Test
    void modelPrice_negativeOrMissingPrice_isInvalid() {
        assertThatThrownBy(() -> ModelPrice.of("p", "m", new BigDecimal("-0.000001"), BigDecimal.ONE))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("input_per_token");
        assertThatThrownBy(() -> ModelPrice.of("p", "m", BigDecimal.ONE, null))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("output_per_token");
        assertThatThrownBy(() -> new ModelPrice("p", "m", BigDecimal.ONE, BigDecimal.ONE,
                new BigDecimal("-1"), null, null, null, null, Set.of()))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("cache_read_per_token");
        assertThatThrownBy(() -> ModelPrice.of("p", "m", new BigDecimal("1.5"), BigDecimal.ONE))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("at most");
    }

    @Test
    void modelPrice_badNamesOrContext_isInvalid() {
        assertThatThrownBy(() -> ModelPrice.of(" ", "m", BigDecimal.ZERO, BigDecimal.ZERO))
                .isInstanceOf(PeniaException.class).hasMessageContaining("provider");
        assertThatThrownBy(() -> ModelPrice.of("p", null, BigDecimal.ZERO, BigDecimal.ZERO))
                .isInstanceOf(PeniaException.class).hasMessageContaining("model");
        assertThatThrownBy(() -> new ModelPrice("p", "m", BigDecimal.ZERO, BigDecimal.ZERO, null, null, null,
                0L, null, Set.of()))
                .isInstanceOf(PeniaException.class).hasMessageContaining("max_input_tokens");
    }

    @Test
    void modelPrice_normalisesNamesPricesAndCapabilities() {
        ModelPrice price = new ModelPrice(" OpenAI ", " gpt-4o ", new BigDecimal("0.0000025000"),
                new BigDecimal("1E-5"), null, null, null, 128_000L, 16_384L, Set.of("Vision", "function_calling"));

        assertThat(price.provider()).isEqualTo("openai");
        assertThat(price.model()).isEqualTo("gpt-4o");
        assertThat(price.inputPerToken()).isEqualTo(new BigDecimal("0.0000025"));
        assertThat(price.capabilities()).containsExactly("function_calling", "vision");
        assertThat(price.hasCapability("VISION")).isTrue();
        assertThat(price.deprecationDate()).isNull();
    }

    @Test
    void priceTiers_highestThresholdBelowThePromptApplies_absentRatesKeepTheBase() {
        ModelPrice p = new ModelPrice("x", "m", new BigDecimal("0.000001"), new BigDecimal("0.000002"),
                new BigDecimal("0.0000001"), null, null, null, null, java.util.Set.of(), null, java.util.List.of(
                new PriceTier(300_000, new BigDecimal("0.000004"), null, null, null),
                new PriceTier(100_000, new BigDecimal("0.000003"), new BigDecimal("0.000005"), null, null)));
        assertThat(p.tiers()).extracting(PriceTier::aboveInputTokens).containsExactly(100_000L, 300_000L);
        // 100000 tokens: base. 100000×1e-6 + 10×2e-6 = 0.10002
        assertThat(CostFormula.costMicros(p, TokenCounts.of(100_000, 10))).isEqualTo(100_020L);
        // 100001: first tier. 100001×3e-6 + 10×5e-6 = 0.300003 + 0.00005 = 0.300053
        assertThat(CostFormula.costMicros(p, TokenCounts.of(100_001, 10))).isEqualTo(300_053L);
        // 300001: second tier, output not given there: base 2e-6. 300001×4e-6 + 10×2e-6 = 1.200004 + 0.00002
        assertThat(CostFormula.costMicros(p, TokenCounts.of(300_001, 10))).isEqualTo(1_200_024L);
        assertThatThrownBy(() -> new PriceTier(0, BigDecimal.ONE, null, null, null)).isInstanceOf(PeniaException.class);
        assertThatThrownBy(() -> new PriceTier(10, null, null, null, null)).isInstanceOf(PeniaException.class);
    }
}
