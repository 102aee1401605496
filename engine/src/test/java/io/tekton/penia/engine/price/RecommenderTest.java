package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecommenderTest {
    private static final PriceCatalog CATALOG = PriceCatalog.loadDefault();
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 23);

    private static RecommendRequest request(String taskType, Set<String> capabilities, long input, long output,
                                            Long maxCostMicros, String currentProvider, String currentModel,
                                            int limit) {
        return new RecommendRequest(taskType, capabilities, input, output, maxCostMicros, currentProvider,
                currentModel, "test-component", limit);
    }

    private static ModelPrice priceOf(Recommendation r) {
        return CATALOG.exact(r.provider(), r.model()).orElseThrow();
    }

    private static ModelPrice model(String provider, String name, String input, String output, Long maxInput,
                                    Set<String> capabilities, LocalDate deprecation) {
        return new ModelPrice(provider, name, new BigDecimal(input), new BigDecimal(output), null, null, null,
                maxInput, null, capabilities, deprecation);
    }

    @Test
    void recommend_neverProposesAModelLackingARequiredCapability() {
        RecommendRequest req = request(null, Set.of("vision", "function_calling"), 2_000, 500, null, null, null, 100);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).hasSize(100);
        assertThat(result).allSatisfy(r -> assertThat(priceOf(r).capabilities())
                .contains("vision", "function_calling"));
        assertThat(result.get(0).reason()).startsWith("cheapest model with function_calling and vision");
    }

    @Test
    void recommend_taskType_addsItsCapabilities() {
        RecommendRequest vision = request("vision", Set.of(), 1_000, 100, null, null, null, 50);
        RecommendRequest agent = request("agent", Set.of("pdf_input"), 1_000, 100, null, null, null, 50);
        RecommendRequest math = request("math", null, 1_000, 100, null, null, null, 50);

        assertThat(Recommender.recommend(vision, CATALOG, null, TODAY))
                .isNotEmpty().allSatisfy(r -> assertThat(priceOf(r).capabilities()).contains("vision"));
        assertThat(Recommender.recommend(agent, CATALOG, null, TODAY))
                .isNotEmpty().allSatisfy(r -> assertThat(priceOf(r).capabilities())
                        .contains("function_calling", "pdf_input"));
        assertThat(Recommender.recommend(math, CATALOG, null, TODAY))
                .isNotEmpty().allSatisfy(r -> assertThat(priceOf(r).capabilities()).contains("reasoning"));
    }

    @Test
    void recommend_neverProposesAModelWithTooSmallAContext() {
        RecommendRequest req = request(null, Set.of(), 500_000, 70_000, null, null, null, 100);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).isNotEmpty().allSatisfy(r -> {
            ModelPrice p = priceOf(r);
            assertThat(p.maxInputTokens()).isNotNull().isGreaterThanOrEqualTo(500_000L);
            if (p.maxOutputTokens() != null) {
                assertThat(p.maxOutputTokens()).isGreaterThanOrEqualTo(70_000L);
            }
        });
        assertThat(result).noneMatch(r -> r.model().equals("gpt-4o"));
    }

    @Test
    void recommend_respectsMaxCost() {
        long maxCostMicros = 1_000;
        RecommendRequest req = request(null, Set.of(), 10_000, 1_000, maxCostMicros, null, null, 100);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).isNotEmpty().allSatisfy(r -> {
            assertThat(r.estimatedCostMicros()).isLessThanOrEqualTo(maxCostMicros);
            assertThat(r.estimatedCostMicros())
                    .isEqualTo(CostFormula.costMicros(priceOf(r), TokenCounts.of(10_000, 1_000)));
        });
        RecommendRequest nothingAffordable = request(null, Set.of(), 10_000, 1_000, 0L, null, null, 10);
        assertThat(Recommender.recommend(nothingAffordable, CATALOG, null, TODAY)).isEmpty();
    }

    @Test
    void recommend_ranksCheaperFirst() {
        RecommendRequest req = request(null, Set.of("reasoning"), 20_000, 2_000, null, null, null, 100);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).extracting(Recommendation::estimatedCostMicros).isSorted();
    }

    @Test
    void recommend_equalCapabilities_prefersCheaperThenFirstPartyThenName_oneEntryPerModel() {
        Set<String> caps = Set.of("vision");
        PriceCatalog catalog = PriceCatalog.of(List.of(
                model("openrouter", "b-model", "0.000001", "0.000002", 100_000L, caps, null),
                model("openai", "b-model", "0.000001", "0.000002", 100_000L, caps, null),
                model("openai", "a-model", "0.000001", "0.000002", 100_000L, caps, null),
                model("acme", "dear", "0.000009", "0.000009", 100_000L, caps, null),
                model("acme", "cheap", "0.0000001", "0.0000002", 100_000L, caps, null)));
        RecommendRequest req = request("vision", Set.of(), 1_000, 1_000, null, null, null, 10);

        List<Recommendation> result = Recommender.recommend(req, catalog, null, TODAY);

        assertThat(result).extracting(r -> r.provider() + "/" + r.model()).containsExactly(
                "acme/cheap", "openai/a-model", "openai/b-model", "acme/dear");
        assertThat(result.get(1).reason()).isEqualTo("2nd cheapest model with vision; no known chat tier");
        Recommendation b = result.get(2);
        assertThat(b.routeCount()).isEqualTo(2);
        assertThat(b.otherRoutes()).containsExactly(new Recommendation.Route("openrouter", "b-model", 3_000));
        assertThat(b.reason()).endsWith("; cheapest of 2 routes");
    }

    @Test
    void recommend_savings_areComputedAgainstTheCurrentModel() {
        RecommendRequest req = request(null, Set.of("vision", "function_calling"), 10_000, 1_000, null,
                null, "gpt-4o", 20);
        ModelPrice gpt4o = CATALOG.exact("openai", "gpt-4o").orElseThrow();
        // 10000×2.5e-6 + 1000×1e-5 = 0.025 + 0.01 = $0.035
        long currentCost = 35_000;
        assertThat(CostFormula.costMicros(gpt4o, TokenCounts.of(10_000, 1_000))).isEqualTo(currentCost);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).isNotEmpty().allSatisfy(r ->
                assertThat(r.savingsMicros()).isEqualTo(currentCost - r.estimatedCostMicros()));
        Recommendation best = result.get(0);
        long percent = best.savingsMicros() * 100 / currentCost;
        assertThat(best.reason()).startsWith("cheapest model with function_calling and vision; ")
                .contains(" chat tier ", "; " + percent + "% cheaper than gpt-4o");
    }

    @Test
    void recommend_currentModelIsLeftOut_dearerModelsAreSaidSo() {
        Set<String> caps = Set.of("vision");
        PriceCatalog catalog = PriceCatalog.of(List.of(
                model("openai", "cheap", "0.000001", "0.000001", 100_000L, caps, null),
                model("openai", "current", "0.000002", "0.000002", 100_000L, caps, null),
                model("openai", "dear", "0.000003", "0.000003", 100_000L, caps, null)));
        RecommendRequest req = request(null, caps, 1_000, 0, null, "openai", "current", 10);

        List<Recommendation> result = Recommender.recommend(req, catalog, null, TODAY);

        assertThat(result).extracting(Recommendation::savingsMicros).containsExactly(1_000L, -1_000L);
        String unknown = "no quality tier known for current: compared on price, capabilities and context only";
        assertThat(result).extracting(Recommendation::reason).containsExactly(
                "cheapest model with vision; " + unknown + "; 50% cheaper than current",
                "2nd cheapest model with vision; " + unknown + "; 50% more expensive than current");
    }

    @Test
    void recommend_currentModel_cheaperRouteToItIsRecommended() {
        PriceCatalog catalog = PriceCatalog.of(List.of(
                model("openai", "gpt-4o", "0.0000025", "0.00001", 128_000L, Set.of(), null),
                model("azure", "gpt-4o-2024-08-06", "0.000002", "0.000008", 128_000L, Set.of(), null),
                model("acme", "gpt-4o", "0.000003", "0.00001", 128_000L, Set.of(), null)));
        RecommendRequest req = request(null, Set.of(), 1_000, 0, null, "openai", "gpt-4o", 10);

        List<Recommendation> result = Recommender.recommend(req, catalog, null, TODAY);

        assertThat(result).singleElement().satisfies(r -> {
            assertThat(r.provider() + "/" + r.model()).isEqualTo("azure/gpt-4o-2024-08-06");
            assertThat(r.routeCount()).isEqualTo(3);
            assertThat(r.reason()).isEqualTo("cheapest model; the same model as gpt-4o through a cheaper route; "
                    + "20% cheaper than gpt-4o; cheapest of 3 routes");
        });
    }

    @Test
    void recommend_unpricedCurrentModel_hasNoSavings() {
        RecommendRequest req = request(null, Set.of(), 1_000, 100, null, null, "no-such-model", 5);

        List<Recommendation> result = Recommender.recommend(req, CATALOG, null, TODAY);

        assertThat(result).hasSize(5).allSatisfy(r -> {
            assertThat(r.savingsMicros()).isNull();
            assertThat(r.reason()).contains("no-such-model has no price");
        });
    }

    @Test
    void recommend_skipsDeprecatedFreeAndUnknownContextModels() {
        PriceCatalog catalog = PriceCatalog.of(List.of(
                model("acme", "retired", "0.0000001", "0.0000001", 100_000L, Set.of(), TODAY),
                model("acme", "retiring", "0.0000002", "0.0000002", 100_000L, Set.of(), TODAY.plusDays(1)),
                model("acme", "free", "0", "0", 100_000L, Set.of(), null),
                model("acme", "unknown-context", "0.0000001", "0.0000001", null, Set.of(), null)));

        List<Recommendation> result = Recommender.recommend(RecommendRequest.of(1_000, 100), catalog, null, TODAY);

        assertThat(result).extracting(Recommendation::model).containsExactly("retiring");
    }

    @Test
    void recommend_fitsRemainingBudget_usesTheBudgetOfEachModel() {
        RecommendRequest req = request(null, Set.of(), 100_000, 10_000, null, null, null, 20);
        List<ModelPrice> asked = new ArrayList<>();

        List<Recommendation> result = Recommender.recommend(req, CATALOG, price -> {
            asked.add(price);
            return switch (price.provider()) {
                case "openai" -> 0L;
                case "gemini" -> null;
                default -> Long.MAX_VALUE;
            };
        }, TODAY);

        assertThat(asked).hasSize(result.size());
        assertThat(result).allSatisfy(r -> assertThat(r.fitsRemainingBudget())
                .isEqualTo(!r.provider().equals("openai") || r.estimatedCostMicros() == 0));
    }

    @Test
    void recommend_limit_defaultsToTenAndCaps() {
        RecommendRequest unlimited = request(null, Set.of(), 1_000, 100, null, null, null, 0);

        assertThat(unlimited.limit()).isEqualTo(RecommendRequest.DEFAULT_LIMIT);
        assertThat(Recommender.recommend(unlimited, CATALOG, null, TODAY)).hasSize(10);
        assertThatThrownBy(() -> request(null, Set.of(), 1_000, 100, null, null, null, 101))
                .isInstanceOf(PeniaException.class).hasMessageContaining("limit");
    }

    @Test
    void request_invalidValues_areRejectedNamingTheField() {
        assertThatThrownBy(() -> request("astrology", Set.of(), 1, 1, null, null, null, 10))
                .isInstanceOf(PeniaException.class).hasMessageContaining("task_type").hasMessageContaining("vision");
        assertThatThrownBy(() -> request(null, Set.of(), -1, 1, null, null, null, 10))
                .isInstanceOf(PeniaException.class).hasMessageContaining("estimated_input_tokens");
        assertThatThrownBy(() -> request(null, Set.of(), 1, 1, -5L, null, null, 10))
                .isInstanceOf(PeniaException.class).hasMessageContaining("max_cost");
        RecommendRequest telepathy = request(null, Set.of("telepathy"), 1, 1, null, null, null, 10);
        assertThatThrownBy(() -> Recommender.recommend(telepathy, CATALOG, null, TODAY))
                .isInstanceOf(PeniaException.class)
                .hasMessageContaining("required_capabilities")
                .hasMessageContaining("telepathy");
    }

    @Test
    void request_capabilitySynonyms_areNormalised() {
        RecommendRequest req = request(" Tool_Use ", Set.of("Tool-Use", "images"), 1, 1, null, " ", "", 10);

        assertThat(req.taskType()).isEqualTo("tool_use");
        assertThat(req.requiredCapabilities()).containsExactly("function_calling", "vision");
        assertThat(req.effectiveCapabilities()).containsExactly("function_calling", "vision");
        assertThat(req.currentProvider()).isNull();
        assertThat(req.currentModel()).isNull();
    }
}
