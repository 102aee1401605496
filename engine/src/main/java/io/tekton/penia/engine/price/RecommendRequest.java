package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a caller wants a model for ({@code POST /prices/recommend}, MCP {@code recommend_models}).
 *
 * <p>The compact constructor normalises names (lower-case, trimmed, blank as absent,
 * capability synonyms such as {@code tool_use} to {@code function_calling}) and rejects
 * invalid values with {@link PeniaException#invalid} naming the wire field.
 *
 * @param taskType              what the model is for, or {@code null}; one of
 *                              {@link Recommender#TASK_TYPES}, which adds required capabilities
 * @param requiredCapabilities  capabilities every recommended model must have; never {@code null}
 * @param estimatedInputTokens  prompt tokens of the typical call
 * @param estimatedOutputTokens completion tokens of the typical call
 * @param maxCostMicros         the most one such call may cost, or {@code null}
 * @param currentProvider       provider of the model used today, or {@code null}
 * @param currentModel          the model used today (savings are computed against it), or {@code null}
 * @param component             the calling component (for its remaining budget), or {@code null}
 * @param limit                 how many recommendations at most, 1 to {@link #MAX_LIMIT};
 *                              0 means {@link #DEFAULT_LIMIT}
 * @param providers             the providers whose routes may be recommended (canonical names; a
 *                              family head such as {@code bedrock} covers its members), or
 *                              {@code null} for every provider of the catalog; {@code ["*"]} is
 *                              read as {@code null}
 * @param allowWeaker           whether models weaker for the task than the current one may be
 *                              recommended (see {@link Recommender})
 */
public record RecommendRequest(String taskType, Set<String> requiredCapabilities, long estimatedInputTokens,
                               long estimatedOutputTokens, Long maxCostMicros, String currentProvider,
                               String currentModel, String component, int limit, Set<String> providers,
                               boolean allowWeaker) {
    /** How many recommendations when the caller does not say. */
    public static final int DEFAULT_LIMIT = 10;
    /** The most recommendations one request may ask for. */
    public static final int MAX_LIMIT = 100;
    /** The longest task type accepted, in characters. */
    public static final int MAX_TASK_TYPE_CHARS = 64;
    /** The most required capabilities one request may list. */
    public static final int MAX_CAPABILITIES = 32;
    /** The {@code providers} entry that stands for every provider of the catalog. */
    public static final String ALL_PROVIDERS = "*";
    /** The most providers one request may list. */
    public static final int MAX_PROVIDERS = 64;

    /** Names callers use for a catalog capability. */
    private static final Map<String, String> CAPABILITY_SYNONYMS = Map.of(
            "tool_use", "function_calling",
            "tools", "function_calling",
            "tool_calling", "function_calling",
            "image_input", "vision",
            "images", "vision",
            "structured_output", "response_schema",
            "json_schema", "response_schema",
            "caching", "prompt_caching",
            "pdf", "pdf_input");

    public RecommendRequest {
        taskType = blankToNull(taskType);
        if (taskType != null) {
            taskType = taskType.toLowerCase(Locale.ROOT).replace('-', '_');
            if (taskType.length() > MAX_TASK_TYPE_CHARS) {
                throw PeniaException.invalid("task_type", "must be at most " + MAX_TASK_TYPE_CHARS
                        + " characters (got " + taskType.length() + ")");
            }
            if (!Recommender.TASK_TYPES.containsKey(taskType)) {
                throw PeniaException.invalid("task_type", "unknown task type '" + taskType + "' (known: "
                        + String.join(", ", new TreeSet<>(Recommender.TASK_TYPES.keySet())) + ")");
            }
        }
        requiredCapabilities = capabilities(requiredCapabilities);
        tokens("estimated_input_tokens", estimatedInputTokens);
        tokens("estimated_output_tokens", estimatedOutputTokens);
        if (maxCostMicros != null && maxCostMicros < 0) {
            throw PeniaException.invalid("max_cost", "must not be negative (got " + maxCostMicros + " micro-USD)");
        }
        currentProvider = blankToNull(currentProvider);
        currentModel = blankToNull(currentModel);
        component = blankToNull(component);
        if (limit == 0) {
            limit = DEFAULT_LIMIT;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw PeniaException.invalid("limit", "must be between 1 and " + MAX_LIMIT + " (got " + limit + ")");
        }
        providers = providers(providers);
    }

    /** A request over every provider that never recommends a weaker model. */
    public RecommendRequest(String taskType, Set<String> requiredCapabilities, long estimatedInputTokens,
                            long estimatedOutputTokens, Long maxCostMicros, String currentProvider,
                            String currentModel, String component, int limit) {
        this(taskType, requiredCapabilities, estimatedInputTokens, estimatedOutputTokens, maxCostMicros,
                currentProvider, currentModel, component, limit, null, false);
    }

    /** Whether the task is judged by the code tier of {@link ModelQuality} (else by the chat tier). */
    public boolean isCodeTask() {
        return "code".equals(taskType) || "coding".equals(taskType);
    }

    /** A request for the cheapest models for calls of this size, nothing else required. */
    public static RecommendRequest of(long estimatedInputTokens, long estimatedOutputTokens) {
        return new RecommendRequest(null, Set.of(), estimatedInputTokens, estimatedOutputTokens, null, null,
                null, null, DEFAULT_LIMIT);
    }

    /**
     * Every capability a recommended model must have: the required ones and those of the
     * task type, sorted.
     */
    public Set<String> effectiveCapabilities() {
        TreeSet<String> all = new TreeSet<>(requiredCapabilities);
        if (taskType != null) {
            all.addAll(Recommender.TASK_TYPES.get(taskType));
        }
        return Collections.unmodifiableSortedSet(all);
    }

    private static Set<String> capabilities(Set<String> values) {
        return Names.sortedNames("required_capabilities", values, MAX_CAPABILITIES, RecommendRequest::capability);
    }

    private static String capability(String value) {
        String name = blankToNull(value);
        if (name == null) {
            throw PeniaException.invalid("required_capabilities", "must not contain blank names");
        }
        if (name.length() > ModelPrice.MAX_NAME_CHARS) {
            throw PeniaException.invalid("required_capabilities", "names must be at most "
                    + ModelPrice.MAX_NAME_CHARS + " characters");
        }
        name = name.toLowerCase(Locale.ROOT).replace('-', '_');
        return CAPABILITY_SYNONYMS.getOrDefault(name, name);
    }

    private static Set<String> providers(Set<String> values) {
        if (values == null) {
            return null;
        }
        if (values.isEmpty()) {
            throw PeniaException.invalid("providers", "must name at least one provider, or [\"*\"] for all");
        }
        if (values.contains(ALL_PROVIDERS)) {
            if (values.size() > 1) {
                throw PeniaException.invalid("providers", "\"*\" (every provider) stands alone");
            }
            return null;
        }
        return Names.sortedNames("providers", values, MAX_PROVIDERS, value -> {
            String name = blankToNull(value);
            if (name == null || name.length() > ModelPrice.MAX_NAME_CHARS) {
                throw PeniaException.invalid("providers", "names must be 1 to " + ModelPrice.MAX_NAME_CHARS
                        + " characters");
            }
            return Names.provider(name);
        });
    }

    private static void tokens(String field, long value) {
        if (value < 0 || value > TokenCounts.MAX_TOKENS) {
            throw PeniaException.invalid(field, "must be between 0 and " + TokenCounts.MAX_TOKENS
                    + " (got " + value + ")");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
