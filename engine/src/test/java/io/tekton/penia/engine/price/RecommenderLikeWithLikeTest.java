package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Recommendations a person would follow: like with like, one entry per model, the installation's providers. */
class RecommenderLikeWithLikeTest {
    private static final PriceCatalog CATALOG = PriceCatalog.loadDefault();
    private static final ModelQuality TABLE = ModelQuality.shipped();
    private static final LocalDate TODAY = LocalDate.of(2026, 12, 3);

    /** The held-out check of docs/RECOMMENDATIONS.md: ten current models as callers name them. */
    static final List<String[]> TEN = List.of(
            new String[]{"GPT-4o", "openai", "gpt-4o"},
            new String[]{"GPT-4.1", "openai", "gpt-4.1"},
            new String[]{"o3", "openai", "o3"},
            new String[]{"Claude Sonnet 4.5", "anthropic", "claude-sonnet-4-5"},
            new String[]{"Claude Haiku 4.5", "anthropic", "claude-haiku-4-5"},
            new String[]{"Gemini 2.5 Pro", "gemini", "gemini-2.5-pro"},
            new String[]{"Gemini 2.5 Flash", "gemini", "gemini-2.5-flash"},
            new String[]{"Llama 3.3 70B", "groq", "llama-3.3-70b-versatile"},
            new String[]{"Mistral Large", "mistral", "mistral-large-latest"},
            new String[]{"DeepSeek V3", "deepseek", "deepseek-v3"});

    private static RecommendRequest request(String task, Set<String> caps, String provider, String model, int limit,
                                            Set<String> providers, boolean allowWeaker) {
        return new RecommendRequest(task, caps, 2_000, 500, null, provider, model, null, limit, providers,
                allowWeaker);
    }

    private static List<Recommendation> recommend(RecommendRequest req) {
        return Recommender.recommend(req, CATALOG, null, TODAY);
    }

    private static ModelPrice priceOf(Recommendation r) {
        return CATALOG.exact(r.provider(), r.model()).orElseThrow();
    }

    @Test
    void replacingSonnetForCode_neverProposesAWeakerModel_unlessAllowed() {
        List<Recommendation> result = recommend(request("code", Set.of(), "anthropic", "claude-sonnet-4-5", 20, null,
                false));

        assertThat(result).isNotEmpty().allSatisfy(r -> {
            ModelQuality.Entry q = TABLE.of(r.model()).orElseThrow();
            assertThat(q.codeTier()).as(r.model()).isEqualTo(ModelQuality.MAX_TIER);
            assertThat(r.qualityTier()).isEqualTo(ModelQuality.MAX_TIER);
            assertThat(q.olderThan(TABLE.of("claude-sonnet-4-5").orElseThrow())).as(r.model()).isFalse();
            assertThat(priceOf(r).capabilities()).contains("function_calling", "reasoning");
            assertThat(r.reason()).contains("code tier").contains("claude-sonnet-4-5");
        });
        assertThat(result).extracting(Recommendation::model)
                .noneMatch(m -> m.toLowerCase(Locale.ROOT).contains("qwen2.5-coder-7b") || m.contains("llama3.2-3b"));

        List<Recommendation> weaker = recommend(request("code", Set.of(), "anthropic", "claude-sonnet-4-5", 20, null,
                true));
        assertThat(weaker).anySatisfy(r -> {
            assertThat(r.qualityTier() == null || r.qualityTier() < ModelQuality.MAX_TIER).isTrue();
            assertThat(r.reason()).contains("allow_weaker");
        });
        assertThat(weaker.getFirst().estimatedCostMicros()).isLessThan(result.getFirst().estimatedCostMicros());
    }

    @Test
    void sameModelAtSeveralResellers_isOneEntryNamingTheCheapestRoute() {
        // The case: 4 of the top 5 were nova-micro through different regions or resellers.
        List<Recommendation> result = recommend(request(null, Set.of("function_calling", "prompt_caching"), null,
                null, 20, null, false));

        Set<String> identities = new HashSet<>();
        assertThat(result).allSatisfy(r -> assertThat(identities.add(TABLE.identity(r.model()))).as(r.model()).isTrue());
        assertThat(result).anySatisfy(r -> assertThat(r.routeCount()).isGreaterThan(1));
        assertThat(result).allSatisfy(r -> {
            assertThat(r.otherRoutes()).hasSizeLessThanOrEqualTo(Math.min(r.routeCount() - 1,
                    Recommendation.MAX_OTHER_ROUTES));
            assertThat(r.otherRoutes()).allSatisfy(o -> {
                assertThat(TABLE.identity(o.model())).isEqualTo(TABLE.identity(r.model()));
                assertThat(o.estimatedCostMicros()).isGreaterThanOrEqualTo(r.estimatedCostMicros());
            });
        });
    }

    @Test
    void reasoningModel_isReplacedByModelsThatReasonToo() {
        List<Recommendation> result = recommend(request("chat", Set.of(), "openai", "o3", 10, null, false));

        assertThat(result).isNotEmpty().allSatisfy(r ->
                assertThat(priceOf(r).capabilities()).as(r.provider() + "/" + r.model()).contains("reasoning"));
    }

    @Test
    void providers_narrowToTheListedOnes_familiesIncluded_unknownRefused() {
        List<Recommendation> openai = recommend(request("chat", Set.of(), "anthropic", "claude-haiku-4-5", 10,
                Set.of("openai"), false));
        assertThat(openai).isNotEmpty().allSatisfy(r -> {
            assertThat(r.provider()).isEqualTo("openai");
            assertThat(r.otherRoutes()).allSatisfy(o -> assertThat(o.provider()).isEqualTo("openai"));
        });

        List<Recommendation> bedrock = recommend(request("chat", Set.of(), "anthropic", "claude-haiku-4-5", 10,
                Set.of("bedrock"), false));
        assertThat(bedrock).isNotEmpty().allSatisfy(r -> assertThat(r.provider()).startsWith("bedrock"));
        assertThat(bedrock).anySatisfy(r -> assertThat(r.provider()).isEqualTo("bedrock_converse"));

        assertThat(request(null, Set.of(), null, null, 5, Set.of("*"), false).providers()).isNull();
        assertThat(request(null, Set.of(), null, null, 5, Set.of(" OpenAI "), false).providers())
                .containsExactly("openai");
        assertThatThrownBy(() -> request(null, Set.of(), null, null, 5, Set.of("*", "openai"), false))
                .isInstanceOf(PeniaException.class).hasMessageContaining("providers");
        assertThatThrownBy(() -> request(null, Set.of(), null, null, 5, Set.of(), false))
                .isInstanceOf(PeniaException.class).hasMessageContaining("providers");
        assertThatThrownBy(() -> Recommender.checkProviders(Set.of("opneai"), CATALOG))
                .isInstanceOf(PeniaException.class).hasMessageContaining("opneai");
        Recommender.checkProviders(Set.of("openai", "vertex_ai", "bedrock"), CATALOG);
    }

    /**
     * The held-out check: for ten current models, the top three alternatives for chat and code
     * over every provider are one entry per model, never a weaker tier or an older generation of
     * the same line, and explained. Writes the table of docs/RECOMMENDATIONS.md to
     * target/recommendations-table.md.
     */
    @Test
    void heldOut_tenCurrentModels_topThreeForChatAndCode() throws IOException {
        heldOut(null, "recommendations-table.md");
        // An installation that calls the makers' own APIs (and groq for Llama).
        heldOut(Set.of("openai", "anthropic", "gemini", "mistral", "deepseek", "xai", "groq"),
                "recommendations-table-makers.md");
    }

    private static void heldOut(Set<String> providers, String file) throws IOException {
        List<String> table = new ArrayList<>();
        table.add("| current model | task | 1st | 2nd | 3rd |");
        table.add("|---|---|---|---|---|");
        for (String task : List.of("chat", "code")) {
            for (String[] m : TEN) {
                ModelPrice current = CATALOG.resolve(m[1], m[2]).orElseThrow();
                ModelQuality.Entry cq = TABLE.of(current.model()).orElseThrow(() -> new AssertionError(m[2]));
                boolean code = task.equals("code");
                List<Recommendation> top = recommend(request(task, Set.of(), m[1], m[2], 3, providers, false));

                assertThat(top).as(m[0] + " " + task).hasSize(3);
                Set<String> seen = new HashSet<>();
                StringBuilder row = new StringBuilder("| " + m[0] + " (" + m[1] + "/" + m[2] + ", "
                        + ModelQuality.tierName(cq.tier(code)) + ") | " + task + " |");
                for (Recommendation r : top) {
                    ModelQuality.Entry q = TABLE.of(r.model()).orElseThrow(() -> new AssertionError(r.model()));
                    assertThat(seen.add(q.id())).as("duplicate " + q.id()).isTrue();
                    assertThat(q.id()).isNotEqualTo(cq.id());
                    assertThat(q.tier(code)).as(m[0] + " → " + r.model()).isGreaterThanOrEqualTo(cq.tier(code));
                    assertThat(q.tier(code)).isGreaterThanOrEqualTo(3);
                    assertThat(q.olderThan(cq)).isFalse();
                    assertThat(r.reason()).contains(task + " tier").contains(current.model());
                    assertThat(r.savingsMicros()).isNotNull();
                    if (providers != null) {
                        assertThat(providers).contains(r.provider());
                    }
                    row.append(' ').append(r.provider()).append('/').append(r.model()).append(" ($")
                            .append(usd(r.estimatedCostMicros())).append(", ").append(ModelQuality.tierName(q.tier(code)))
                            .append(r.routeCount() > 1 ? ", " + r.routeCount() + " routes" : "").append(") |");
                }
                table.add(row.toString());
            }
        }
        Path out = Path.of("target", file);
        Files.createDirectories(out.getParent());
        Files.write(out, table);
    }

    private static String usd(long micros) {
        return java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }
}
