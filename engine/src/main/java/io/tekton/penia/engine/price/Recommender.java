package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Ranks the catalog's models for a kind of call ({@code POST /prices/recommend}, MCP
 * {@code recommend_models}).
 *
 * <p>A model is recommended only if it has every required capability (those named by the
 * request and those of its task type), its prompt window is known and holds the estimated
 * input, its completion limit (when known) holds the estimated output, the estimated call
 * costs at most {@code max_cost}, it is not deprecated on or before today, and it is not
 * priced zero for both input and output: such entries are self-hosted models or rate-limited
 * free tiers, and calling one "cheapest" would mislead. Models are ranked by estimated cost,
 * then first-party providers before resellers ({@link PriceCatalog#isFirstParty}), then by
 * model and provider name.
 *
 * <p>Task types ({@link #TASK_TYPES}) only add <em>required</em> capabilities; nothing is
 * merely preferred, so the ranking stays "cheapest that qualifies". {@code reasoning},
 * {@code math} and {@code planning} require {@code reasoning}: those answers suffer most from
 * a model that cannot think first. {@code code} requires nothing: plenty of non-reasoning
 * models write code well and cheaply; a caller who wants a reasoning coder asks for
 * {@code reasoning} explicitly.
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

    private record Candidate(ModelPrice price, long costMicros) {
    }

    private static final Comparator<Candidate> RANKING = Comparator
            .comparingLong(Candidate::costMicros)
            .thenComparing(c -> !Names.isFirstParty(c.price().provider()))
            .thenComparing(c -> Names.model(c.price().model()))
            .thenComparing(c -> c.price().provider());

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

        List<Candidate> candidates = new ArrayList<>();
        for (ModelPrice price : catalog.all()) {
            if (qualifies(price, request, required, today)) {
                long cost = CostFormula.costMicros(price, tokens);
                if (request.maxCostMicros() == null || cost <= request.maxCostMicros()) {
                    candidates.add(new Candidate(price, cost));
                }
            }
        }
        candidates.sort(RANKING);

        Optional<ModelPrice> current = request.currentModel() == null ? Optional.empty()
                : catalog.resolve(request.currentProvider(), request.currentModel());
        Long currentCost = current.map(p -> CostFormula.costMicros(p, tokens)).orElse(null);
        List<Recommendation> result = new ArrayList<>(Math.min(request.limit(), candidates.size()));
        for (int i = 0; i < candidates.size() && i < request.limit(); i++) {
            Candidate c = candidates.get(i);
            Long remaining = remainingBudgetMicros == null ? null : remainingBudgetMicros.apply(c.price());
            boolean fits = remaining == null || c.costMicros() <= remaining;
            Long savings = currentCost == null ? null : currentCost - c.costMicros();
            String reason = reason(i + 1, required, c, current.orElse(null), currentCost, request, fits);
            result.add(new Recommendation(c.price().provider(), c.price().model(), c.costMicros(), savings,
                    fits, reason));
        }
        return List.copyOf(result);
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

    private static String reason(int rank, Set<String> required, Candidate c, ModelPrice current,
                                 Long currentCost, RecommendRequest request, boolean fits) {
        StringBuilder r = new StringBuilder(rank == 1 ? "cheapest model" : ordinal(rank) + " cheapest model");
        if (!required.isEmpty()) {
            r.append(" with ").append(joinAnd(required));
        }
        if (current != null) {
            r.append("; ").append(comparison(c, current, currentCost));
        } else if (request.currentModel() != null) {
            r.append("; current model ").append(request.currentModel()).append(" has no price to compare");
        }
        if (!fits) {
            r.append("; exceeds the remaining budget");
        }
        return r.toString();
    }

    private static String comparison(Candidate c, ModelPrice current, long currentCost) {
        if (c.price().provider().equals(current.provider())
                && c.price().model().equalsIgnoreCase(current.model())) {
            return "this is the current model";
        }
        long savings = currentCost - c.costMicros();
        if (savings == 0) {
            return "same cost as " + current.model();
        }
        if (currentCost == 0) {
            return current.model() + " costs nothing for this call";
        }
        // Rounded towards zero: never claim more savings (or less surcharge) than there is.
        BigDecimal percent = BigDecimal.valueOf(Math.abs(savings)).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(currentCost), 0, RoundingMode.DOWN);
        String amount = percent.signum() == 0 ? "less than 1%" : percent.toPlainString() + "%";
        return savings > 0 ? amount + " cheaper than " + current.model()
                : amount + " more expensive than " + current.model();
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
