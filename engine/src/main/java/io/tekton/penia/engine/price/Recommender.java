package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Ranks the catalog's models for a kind of call ({@code POST /prices/recommend}, MCP
 * {@code recommend_models}): alternatives a person would follow.
 *
 * <p>A route (a model at one provider) qualifies if it has every required capability (those
 * named by the request and those of its task type), its prompt window is known and holds the
 * estimated input, its completion limit (when known) holds the estimated output, the estimated
 * call costs at most {@code max_cost}, it is not deprecated on or before today, it is not priced
 * zero for both input and output (self-hosted models and rate-limited free tiers: calling one
 * "cheapest" would mislead), and its provider is one the request allows.
 *
 * <p><b>Like with like.</b> When the request names a current model, an alternative must not be
 * clearly weaker for the task, unless {@code allow_weaker} is set:
 * <ul>
 *   <li>its quality tier ({@link ModelQuality}: the code tier for {@code code} tasks, the chat
 *       tier otherwise) is at least the current model's; a model the table lacks is left out
 *       when the current model is in it, since nothing says it is not weaker;</li>
 *   <li>it is not an older generation of the current model's line ({@code claude-sonnet-4} for
 *       {@code claude-sonnet-4-5});</li>
 *   <li>it has the current model's {@code function_calling} and {@code reasoning} (an
 *       application built on tool calls, or on a model that thinks first, needs them);</li>
 *   <li>its prompt window is at least the current one's or 128k tokens, and its completion limit
 *       (when both are known) at least the current one's or 8k tokens.</li>
 * </ul>
 * The current model itself is left out, unless another route to it is cheaper.
 *
 * <p><b>One entry per model.</b> Routes to the same model ({@link ModelQuality#identity}:
 * resellers, clouds, regions, snapshots) are collapsed into one recommendation naming the
 * cheapest route and listing the others; and of a model line only the best-value version is
 * listed (the cheapest; at equal cost the newest generation).
 *
 * <p>Models are ranked by estimated cost, then higher tier, then first-party providers before
 * resellers ({@link PriceCatalog#isFirstParty}), then by model and provider name. Each comes with
 * a reason, one sentence for people.
 *
 * <p>Task types ({@link #TASK_TYPES}) add <em>required</em> capabilities. {@code reasoning},
 * {@code math} and {@code planning} require {@code reasoning}: those answers suffer most from
 * a model that cannot think first. {@code code} requires nothing: plenty of non-reasoning
 * models write code well; it selects the code tier.
 */
public final class Recommender {
    /** Task types and the capabilities each one requires. */
    public static final Map<String, Set<String>> TASK_TYPES = Map.ofEntries(
            Map.entry("general", Set.of()),
            Map.entry("chat", Set.of()),
            Map.entry("summarization", Set.of()),
            Map.entry("translation", Set.of()),
            Map.entry("classification", Set.of()),
            Map.entry("extraction", Set.of()),
            Map.entry("writing", Set.of()),
            Map.entry("code", Set.of()),
            Map.entry("coding", Set.of()),
            Map.entry("vision", Set.of("vision")),
            Map.entry("image", Set.of("vision")),
            Map.entry("tool_use", Set.of("function_calling")),
            Map.entry("tools", Set.of("function_calling")),
            Map.entry("function_calling", Set.of("function_calling")),
            Map.entry("agent", Set.of("function_calling")),
            Map.entry("structured_output", Set.of("response_schema")),
            Map.entry("json", Set.of("response_schema")),
            Map.entry("reasoning", Set.of("reasoning")),
            Map.entry("math", Set.of("reasoning")),
            Map.entry("planning", Set.of("reasoning")),
            Map.entry("audio", Set.of("audio_input")),
            Map.entry("document", Set.of("pdf_input")),
            Map.entry("pdf", Set.of("pdf_input")),
            Map.entry("web_search", Set.of("web_search")),
            Map.entry("search", Set.of("web_search")));

    /** Capabilities the shipped catalog can list (see {@code tools-scripts/build-catalog.py}). */
    public static final Set<String> KNOWN_CAPABILITIES = Set.of(
            "vision", "function_calling", "parallel_function_calling", "tool_choice", "reasoning",
            "prompt_caching", "response_schema", "native_structured_output", "system_messages",
            "assistant_prefill", "audio_input", "audio_output", "pdf_input", "video_input", "web_search",
            "url_context", "computer_use");

    /** Capabilities an alternative must share with the current model (see the class comment). */
    private static final Set<String> INHERITED = Set.of("function_calling", "reasoning");
    /** A window at least this large is never "clearly smaller", in tokens. */
    private static final long ENOUGH_INPUT_TOKENS = 128_000;
    /** A completion limit at least this large is never "clearly smaller", in tokens. */
    private static final long ENOUGH_OUTPUT_TOKENS = 8_192;

    /** A qualifying route with what the ranking needs. */
    private record Candidate(ModelPrice price, long costMicros, String identity, ModelQuality.Entry quality) {
        String line() {
            return quality != null && quality.line() != null ? "line:" + quality.line() : "id:" + identity;
        }
    }

    /** The current model as the request names it. */
    private record Current(ModelPrice price, Long costMicros, String identity, ModelQuality.Entry quality) {
    }

    /** One model: its routes, cheapest first. */
    private record Group(List<Candidate> routes, int tier) {
        Candidate best() {
            return routes.getFirst();
        }
    }

    private static final Comparator<Candidate> ROUTES = Comparator
            .comparingLong(Candidate::costMicros)
            .thenComparing(c -> !Names.isFirstParty(c.price().provider()))
            .thenComparing(c -> c.price().provider())
            .thenComparing(c -> Names.model(c.price().model()));

    private static final Comparator<Group> RANKING = Comparator
            .comparingLong((Group g) -> g.best().costMicros())
            .thenComparing(g -> -g.tier())
            .thenComparing(g -> !Names.isFirstParty(g.best().price().provider()))
            .thenComparing(g -> Names.model(g.best().price().model()))
            .thenComparing(g -> g.best().price().provider());

    private Recommender() {
    }

    /** {@link #recommend(RecommendRequest, PriceCatalog, Function, LocalDate)} for today in UTC. */
    public static List<Recommendation> recommend(RecommendRequest request, PriceCatalog catalog,
                                                 Function<ModelPrice, Long> remainingBudgetMicros) {
        return recommend(request, catalog, remainingBudgetMicros, LocalDate.now(ZoneOffset.UTC));
    }

    /**
     * The best models for the request, best first, at most {@code request.limit()}.
     *
     * @param remainingBudgetMicros the remaining budget (micro-USD) that applies to a model,
     *                              or {@code null} when none does; the function itself may be
     *                              {@code null}. Called only for the models returned.
     * @param today                 the day against which deprecation dates are compared
     * @throws PeniaException {@code invalid_argument} for a capability no catalog knows
     */
    public static List<Recommendation> recommend(RecommendRequest request, PriceCatalog catalog,
                                                 Function<ModelPrice, Long> remainingBudgetMicros,
                                                 LocalDate today) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(today, "today");
        Set<String> required = request.effectiveCapabilities();
        checkKnown(required, catalog);
        TokenCounts tokens = TokenCounts.of(request.estimatedInputTokens(), request.estimatedOutputTokens());
        ModelQuality table = ModelQuality.shipped();
        Current current = current(request, catalog, tokens, table);
        boolean code = request.isCodeTask();

        Map<String, List<Candidate>> byIdentity = new HashMap<>();
        for (ModelPrice price : catalog.all()) {
            if (!qualifies(price, request, required, today) || !allowed(price.provider(), request.providers())) {
                continue;
            }
            long cost = CostFormula.costMicros(price, tokens);
            if (request.maxCostMicros() != null && cost > request.maxCostMicros()) {
                continue;
            }
            Candidate c = new Candidate(price, cost, table.identity(price.model()),
                    table.of(price.model()).orElse(null));
            if (current == null || request.allowWeaker() || likeWithLike(c, current, code)) {
                byIdentity.computeIfAbsent(c.identity(), k -> new ArrayList<>()).add(c);
            }
        }

        Map<String, Group> byLine = new HashMap<>();
        for (List<Candidate> routes : byIdentity.values()) {
            routes.sort(ROUTES);
            Candidate best = routes.getFirst();
            if (current != null && best.identity().equals(current.identity())
                    && (current.costMicros() == null || best.costMicros() >= current.costMicros())) {
                continue;
            }
            Group group = new Group(routes, best.quality() == null ? 0 : best.quality().tier(code));
            byLine.merge(best.line(), group, Recommender::betterValue);
        }
        List<Group> groups = new ArrayList<>(byLine.values());
        groups.sort(RANKING);

        List<Recommendation> result = new ArrayList<>(Math.min(request.limit(), groups.size()));
        for (int i = 0; i < groups.size() && i < request.limit(); i++) {
            result.add(recommendation(i + 1, groups.get(i), required, current, request, code,
                    remainingBudgetMicros));
        }
        return List.copyOf(result);
    }

    private static Recommendation recommendation(int rank, Group g, Set<String> required, Current current,
                                                 RecommendRequest request, boolean code,
                                                 Function<ModelPrice, Long> remainingBudgetMicros) {
        Candidate c = g.best();
        Long remaining = remainingBudgetMicros == null ? null : remainingBudgetMicros.apply(c.price());
        boolean fits = remaining == null || c.costMicros() <= remaining;
        Long savings = current == null || current.costMicros() == null ? null
                : current.costMicros() - c.costMicros();
        List<Recommendation.Route> others = g.routes().stream().skip(1).limit(Recommendation.MAX_OTHER_ROUTES)
                .map(r -> new Recommendation.Route(r.price().provider(), r.price().model(), r.costMicros()))
                .toList();
        String reason = reason(rank, required, g, current, request, code, fits);
        return new Recommendation(c.price().provider(), c.price().model(), c.costMicros(), savings, fits, reason,
                c.quality() == null ? null : c.quality().tier(code), g.routes().size(), others);
    }

    /** Of two versions of one line, the better value: the cheaper; at equal cost the newer. */
    private static Group betterValue(Group a, Group b) {
        int byCost = Long.compare(a.best().costMicros(), b.best().costMicros());
        if (byCost != 0) {
            return byCost < 0 ? a : b;
        }
        ModelQuality.Entry qa = a.best().quality();
        ModelQuality.Entry qb = b.best().quality();
        if (qa != null && qb != null && qa.gen() != null && qb.gen() != null && qa.gen().compareTo(qb.gen()) != 0) {
            return qa.gen().compareTo(qb.gen()) > 0 ? a : b;
        }
        return RANKING.compare(a, b) <= 0 ? a : b;
    }

    private static Current current(RecommendRequest request, PriceCatalog catalog, TokenCounts tokens,
                                   ModelQuality table) {
        if (request.currentModel() == null) {
            return null;
        }
        ModelPrice price = catalog.resolve(request.currentProvider(), request.currentModel()).orElse(null);
        String name = price != null ? price.model() : request.currentModel();
        ModelQuality.Entry quality = table.of(name).orElse(null);
        return new Current(price, price == null ? null : CostFormula.costMicros(price, tokens),
                table.identity(name), quality);
    }

    /** Whether a route is not clearly weaker than the current model (see the class comment). */
    private static boolean likeWithLike(Candidate c, Current current, boolean code) {
        if (current.quality() != null) {
            if (c.quality() == null || c.quality().tier(code) < current.quality().tier(code)
                    || c.quality().olderThan(current.quality())) {
                return false;
            }
        }
        ModelPrice cur = current.price();
        if (cur == null) {
            return true;
        }
        for (String capability : INHERITED) {
            if (cur.capabilities().contains(capability) && !c.price().capabilities().contains(capability)) {
                return false;
            }
        }
        return notClearlySmaller(c.price().maxInputTokens(), cur.maxInputTokens(), ENOUGH_INPUT_TOKENS)
                && notClearlySmaller(c.price().maxOutputTokens(), cur.maxOutputTokens(), ENOUGH_OUTPUT_TOKENS);
    }

    private static boolean notClearlySmaller(Long candidate, Long current, long enough) {
        return candidate == null || current == null || candidate >= Math.min(current, enough);
    }

    private static boolean allowed(String provider, Set<String> providers) {
        if (providers == null || providers.contains(provider)) {
            return true;
        }
        for (String p : providers) {
            if (Names.inFamily(p, provider)) {
                return true;
            }
        }
        return false;
    }

    private static boolean qualifies(ModelPrice price, RecommendRequest request, Set<String> required,
                                     LocalDate today) {
        // An unknown prompt window may be too small: a recommendation must be safe to follow.
        return price.capabilities().containsAll(required)
                && price.maxInputTokens() != null
                && price.maxInputTokens() >= request.estimatedInputTokens()
                && (price.maxOutputTokens() == null || price.maxOutputTokens() >= request.estimatedOutputTokens())
                && !price.isDeprecatedOn(today)
                && !price.isFree();
    }

    /**
     * Refuses a provider a caller listed that the catalog neither has nor heads a family of
     * (a typo would otherwise silently recommend nothing).
     *
     * @param providers the request's providers, or {@code null} for all
     * @throws PeniaException {@code invalid_argument} naming the first unknown provider
     */
    public static void checkProviders(Set<String> providers, PriceCatalog catalog) {
        if (providers == null) {
            return;
        }
        for (String p : providers) {
            if (!knows(catalog, p)) {
                throw PeniaException.invalid("providers", "unknown provider '" + p + "' (GET /api/v1/prices lists the "
                        + catalog.providers().size() + " providers of the catalog; [\"*\"] means all)");
            }
        }
    }

    /** Whether the catalog has the provider, or providers of its family ({@code bedrock}: {@code bedrock_converse}). */
    public static boolean knows(PriceCatalog catalog, String provider) {
        String p = Names.provider(provider);
        return catalog.providers().contains(p)
                || catalog.providers().stream().anyMatch(member -> Names.inFamily(p, member));
    }

    private static void checkKnown(Set<String> required, PriceCatalog catalog) {
        for (String capability : required) {
            if (!KNOWN_CAPABILITIES.contains(capability) && !catalog.capabilities().contains(capability)) {
                TreeSet<String> known = new TreeSet<>(KNOWN_CAPABILITIES);
                known.addAll(catalog.capabilities());
                throw PeniaException.invalid("required_capabilities", "unknown capability '" + capability
                        + "' (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /**
     * One sentence: the rank, how the model compares with the current one (tier, cost), and its
     * routes, e.g. "cheapest model with function_calling; same code tier as o3 (strong); 81%
     * cheaper than o3; cheapest of 3 routes".
     */
    private static String reason(int rank, Set<String> required, Group g, Current current,
                                 RecommendRequest request, boolean code, boolean fits) {
        Candidate c = g.best();
        String task = code ? "code" : "chat";
        StringBuilder r = new StringBuilder(rank == 1 ? "cheapest model" : ordinal(rank) + " cheapest model");
        if (!required.isEmpty()) {
            r.append(" with ").append(joinAnd(required));
        }
        if (current == null) {
            r.append("; ").append(c.quality() == null ? "no known " + task + " tier"
                    : task + " tier " + ModelQuality.tierName(c.quality().tier(code)));
        } else {
            String name = current.price() != null ? current.price().model() : request.currentModel();
            if (c.identity().equals(current.identity())) {
                r.append("; the same model as ").append(name).append(" through a cheaper route");
            } else {
                r.append("; ").append(tierComparison(c, current, name, code, task, request.allowWeaker()));
            }
            if (current.price() == null) {
                r.append("; current model ").append(request.currentModel()).append(" has no price to compare");
            } else {
                r.append("; ").append(costComparison(c.costMicros(), current.costMicros(), name));
            }
        }
        if (g.routes().size() > 1) {
            r.append("; cheapest of ").append(g.routes().size()).append(" routes");
        }
        if (!fits) {
            r.append("; exceeds the remaining budget");
        }
        return r.toString();
    }

    private static String tierComparison(Candidate c, Current current, String name, boolean code, String task,
                                         boolean allowWeaker) {
        if (current.quality() == null) {
            return "no quality tier known for " + name + ": compared on price, capabilities and context only";
        }
        int mine = current.quality().tier(code);
        if (c.quality() == null) {
            return "no known " + task + " tier (allowed by allow_weaker)";
        }
        int theirs = c.quality().tier(code);
        if (theirs == mine) {
            return "same " + task + " tier as " + name + " (" + ModelQuality.tierName(mine) + ")";
        }
        String comparison = (theirs > mine ? "higher " : "lower ") + task + " tier than " + name + " ("
                + ModelQuality.tierName(theirs) + " vs " + ModelQuality.tierName(mine) + ")";
        return theirs < mine && allowWeaker ? comparison + ", allowed by allow_weaker" : comparison;
    }

    private static String costComparison(long cost, long currentCost, String name) {
        long savings = currentCost - cost;
        if (savings == 0) {
            return "same cost as " + name;
        }
        if (currentCost == 0) {
            return name + " costs nothing for this call";
        }
        // Rounded towards zero: never claim more savings (or less surcharge) than there is.
        BigDecimal percent = BigDecimal.valueOf(Math.abs(savings)).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(currentCost), 0, RoundingMode.DOWN);
        String amount = percent.signum() == 0 ? "less than 1%" : percent.toPlainString() + "%";
        return savings > 0 ? amount + " cheaper than " + name : amount + " more expensive than " + name;
    }

    private static String joinAnd(Set<String> names) {
        List<String> list = List.copyOf(names);
        if (list.size() == 1) {
            return list.get(0);
        }
        return String.join(", ", list.subList(0, list.size() - 1)) + " and " + list.get(list.size() - 1);
    }

    private static String ordinal(int n) {
        int mod100 = n % 100;
        String suffix = switch (mod100 >= 11 && mod100 <= 13 ? 0 : n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return String.format(Locale.ROOT, "%d%s", n, suffix);
    }
}
