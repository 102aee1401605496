package io.tekton.penia.tools.wire;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.price.ModelPrice;
import io.tekton.penia.engine.price.PriceTier;
import io.tekton.penia.engine.price.RecommendRequest;
import io.tekton.penia.engine.price.Recommendation;
import io.tekton.penia.engine.price.Recommender;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Prices on the wire: price views, new versions, recommendations (REST and MCP share these). */
public final class PriceWire {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private PriceWire() {
    }

    public static Map<String, Object> price(ModelPrice p, String version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", p.provider());
        m.put("model", p.model());
        rates(m, p.inputPerToken(), p.outputPerToken(), p.cacheReadPerToken(), p.cacheWritePerToken());
        m.put("reasoning_per_token", p.reasoningPerToken());
        m.put("input_per_million", p.inputPerToken().multiply(MILLION).stripTrailingZeros());
        m.put("output_per_million", p.outputPerToken().multiply(MILLION).stripTrailingZeros());
        m.put("max_input_tokens", p.maxInputTokens());
        m.put("max_output_tokens", p.maxOutputTokens());
        m.put("capabilities", p.capabilities().stream().sorted().toList());
        if (!p.tiers().isEmpty()) {
            m.put("tiers", p.tiers().stream().map(PriceWire::tier).toList());
        }
        m.put("price_version", version);
        return m;
    }

    private static Map<String, Object> tier(PriceTier t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("above_input_tokens", t.aboveInputTokens());
        rates(m, t.inputPerToken(), t.outputPerToken(), t.cacheReadPerToken(), t.cacheWritePerToken());
        return m;
    }

    /** The per-token rates a price and each of its tiers show, in this order. */
    private static void rates(Map<String, Object> m, BigDecimal input, BigDecimal output, BigDecimal cacheRead,
                              BigDecimal cacheWrite) {
        m.put("input_per_token", input);
        m.put("output_per_token", output);
        m.put("cache_read_per_token", cacheRead);
        m.put("cache_write_per_token", cacheWrite);
    }

    /**
     * A new price for provider/model from {@code PUT /prices/{provider}/{model}}: per-token
     * or per-million fields; fields not given keep the current entry's values.
     */
    public static ModelPrice newPrice(PriceBook book, String provider, String model, Args a) {
        Optional<ModelPrice> cur = book.resolve(provider, model)
                .filter(p -> p.provider().equalsIgnoreCase(provider) && p.model().equalsIgnoreCase(model));
        BigDecimal in = perToken(a, "input", cur.map(ModelPrice::inputPerToken).orElse(null));
        BigDecimal out = perToken(a, "output", cur.map(ModelPrice::outputPerToken).orElse(null));
        BigDecimal cr = perToken(a, "cache_read", cur.map(ModelPrice::cacheReadPerToken).orElse(null));
        BigDecimal cw = perToken(a, "cache_write", cur.map(ModelPrice::cacheWritePerToken).orElse(null));
        BigDecimal rs = perToken(a, "reasoning", cur.map(ModelPrice::reasoningPerToken).orElse(null));
        Long maxIn = a.nonNegLong("max_input_tokens");
        Long maxOut = a.nonNegLong("max_output_tokens");
        List<String> caps = a.strings("capabilities", 32);
        List<Args> tierArgs = a.objs("tiers", ModelPrice.MAX_TIERS);
        List<PriceTier> tiers = tierArgs == null ? cur.map(ModelPrice::tiers).orElse(List.of())
                : tierArgs.stream().map(PriceWire::tier).toList();
        a.noOthers();
        if (in == null || out == null) {
            throw PeniaException.invalid("input_per_token", "a new model needs input and output prices");
        }
        Set<String> capabilities = caps != null ? new HashSet<>(caps)
                : cur.map(ModelPrice::capabilities).orElse(Set.of());
        return new ModelPrice(provider, model, in, out, cr, cw, rs,
                maxIn != null ? maxIn : cur.map(ModelPrice::maxInputTokens).orElse(null),
                maxOut != null ? maxOut : cur.map(ModelPrice::maxOutputTokens).orElse(null), capabilities, null, tiers);
    }

    /** One long-context tier of a new price: a threshold and per-token (or per-million) rates. */
    private static PriceTier tier(Args t) {
        Long above = t.nonNegLong("above_input_tokens");
        if (above == null) {
            throw PeniaException.invalid("tiers.above_input_tokens", "is required");
        }
        PriceTier tier = new PriceTier(above, perToken(t, "input", null), perToken(t, "output", null),
                perToken(t, "cache_read", null), perToken(t, "cache_write", null));
        t.noOthers();
        return tier;
    }

    private static BigDecimal perToken(Args a, String kind, BigDecimal current) {
        BigDecimal t = a.decimal(kind + "_per_token");
        BigDecimal m = a.decimal(kind + "_per_million");
        if (t != null && m != null) {
            throw PeniaException.invalid(kind + "_per_token", "give " + kind + "_per_token or " + kind + "_per_million");
        }
        if (t != null) {
            return t;
        }
        if (m != null) {
            return m.divide(MILLION);
        }
        return current;
    }

    /**
     * {@code POST /prices/recommend} and MCP {@code recommend_models}. Without {@code providers},
     * only the providers this installation uses are considered ({@link #installationProviders});
     * {@code ["*"]} considers every provider of the catalog.
     */
    public static Map<String, Object> recommend(BudgetEngine engine, PriceBook book, Args a) {
        List<String> caps = a.strings("required_capabilities", 32);
        long in = a.reqNonNegLong("estimated_input_tokens");
        long out = a.reqNonNegLong("estimated_output_tokens");
        Money max = a.money("max_cost");
        Integer limit = a.intRange("limit", 1, RecommendRequest.MAX_LIMIT);
        List<String> providers = a.strings("providers", RecommendRequest.MAX_PROVIDERS);
        Boolean allowWeaker = a.bool("allow_weaker");
        String currentProvider = a.str("current_provider");
        Set<String> considered = providers != null ? new HashSet<>(providers)
                : installationProviders(engine, book, currentProvider);
        RecommendRequest req = new RecommendRequest(a.str("task_type"), caps == null ? Set.of() : new HashSet<>(caps),
                in, out, max == null ? null : max.micros(),
                currentProvider, a.str("current_model"), a.str("component"), limit == null ? 0 : limit,
                considered, Boolean.TRUE.equals(allowWeaker));
        a.noOthers();
        if (providers != null) {
            Recommender.checkProviders(req.providers(), book.catalog());
        }
        List<Recommendation> recs = Recommender.recommend(req, book.catalog(),
                p -> req.component() == null ? null : engine.remainingMicros(req.component(), p.provider(), p.model(),
                        req.taskType()),
                LocalDate.ofInstant(engine.now(), engine.config().zone()));
        List<Map<String, Object>> items = recs.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("provider", r.provider());
            m.put("model", r.model());
            m.put("estimated_cost", Money.ofMicros(r.estimatedCostMicros()).usd());
            m.put("savings", r.savingsMicros() == null ? null : Money.ofMicros(r.savingsMicros()).usd());
            m.put("fits_remaining_budget", r.fitsRemainingBudget());
            m.put("reason", r.reason());
            m.put("quality_tier", r.qualityTier());
            m.put("route_count", r.routeCount());
            m.put("other_routes", r.otherRoutes().stream().map(o -> {
                Map<String, Object> route = new LinkedHashMap<>();
                route.put("provider", o.provider());
                route.put("model", o.model());
                route.put("estimated_cost", Money.ofMicros(o.estimatedCostMicros()).usd());
                return route;
            }).toList());
            return m;
        }).toList();
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("recommendations", items);
        res.put("count", items.size());
        res.put("providers", req.providers() == null ? List.of(RecommendRequest.ALL_PROVIDERS)
                : List.copyOf(req.providers()));
        return res;
    }

    /**
     * The providers a recommendation considers by default: those with a budget or usage in this
     * installation, and the current model's provider, as far as the price catalog knows them;
     * every provider ({@code ["*"]}) while there is none.
     */
    private static Set<String> installationProviders(BudgetEngine engine, PriceBook book, String currentProvider) {
        Set<String> used = new HashSet<>(engine.providersInUse());
        if (currentProvider != null && !currentProvider.isBlank()) {
            used.add(currentProvider);
        }
        used.removeIf(p -> !Recommender.knows(book.catalog(), p));
        return used.isEmpty() || used.size() > RecommendRequest.MAX_PROVIDERS ? Set.of(RecommendRequest.ALL_PROVIDERS)
                : used;
    }
}
