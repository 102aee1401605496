package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.price.TokenCounts;

import java.time.Instant;

/**
 * A usage report: tokens as the provider reported them ({@code inputTokens} includes cached
 * and cache-written tokens, {@code outputTokens} includes reasoning tokens), and optionally the
 * cost the caller computed. Validated here, at the edge of the engine.
 */
public record UsageInput(String component, String provider, String model, String taskType, long inputTokens,
                         long outputTokens, long cachedInputTokens, long cacheWriteTokens, long reasoningTokens,
                         Money cost, String reservationId, String requestId, Instant timestamp) {
    /** Longest identifier accepted (component, provider, model, ids). */
    public static final int MAX_NAME = 200;
    /** Longest task type accepted (as {@code recommend_models} bounds its task types). */
    public static final int MAX_TASK_TYPE = 64;
    /** Most tokens of any kind one call may report: the bound the pricing has too (one hundred billion). */
    public static final long MAX_TOKENS = TokenCounts.MAX_TOKENS;
    /** Most tokens of one kind (input, output) the whole ledger may hold: 10^18, so no sum of them overflows. */
    public static final long MAX_LEDGER_TOKENS = 1_000_000_000_000_000_000L;

    public UsageInput {
        name("component", component, true);
        name("provider", provider, true);
        name("model", model, true);
        provider = CanonicalNames.provider(provider);
        model = CanonicalNames.model(provider, model);
        taskType = taskType(taskType);
        name("reservation_id", reservationId, false);
        name("request_id", requestId, false);
        tokens("input_tokens", inputTokens);
        tokens("output_tokens", outputTokens);
        tokens("cached_input_tokens", cachedInputTokens);
        tokens("cache_write_tokens", cacheWriteTokens);
        tokens("reasoning_tokens", reasoningTokens);
        if (cachedInputTokens + cacheWriteTokens > inputTokens) {
            throw PeniaException.invalid("cached_input_tokens",
                    "cached (" + cachedInputTokens + ") + cache-write (" + cacheWriteTokens
                            + ") tokens exceed input_tokens (" + inputTokens + ")");
        }
        if (reasoningTokens > outputTokens) {
            throw PeniaException.invalid("reasoning_tokens",
                    "reasoning tokens (" + reasoningTokens + ") exceed output_tokens (" + outputTokens + ")");
        }
        if (cost != null && cost.isNegative()) {
            throw PeniaException.invalid("cost", "must not be negative");
        }
        if (cost != null) {
            Money.checkRecordCost("cost", cost);
        }
    }

    /** A usage of the {@linkplain CanonicalNames#DEFAULT_TASK_TYPE default} task type. */
    public UsageInput(String component, String provider, String model, long inputTokens, long outputTokens,
                      long cachedInputTokens, long cacheWriteTokens, long reasoningTokens, Money cost,
                      String reservationId, String requestId, Instant timestamp) {
        this(component, provider, model, null, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens,
                reasoningTokens, cost, reservationId, requestId, timestamp);
    }

    /**
     * A task type from outside (a usage, a check) in its canonical form, the default one when
     * absent; blank or longer than {@link #MAX_TASK_TYPE} is invalid.
     */
    static String taskType(String v) {
        return v == null ? CanonicalNames.DEFAULT_TASK_TYPE : scopeTaskType("task_type", v);
    }

    /** A task type as a filter or scope field: null stays null (any task type). */
    public static String scopeTaskType(String field, String v) {
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw PeniaException.invalid(field, "must not be blank");
        }
        String canonical = CanonicalNames.taskType(v);
        if (canonical.length() > MAX_TASK_TYPE) {
            throw PeniaException.invalid(field, "longer than " + MAX_TASK_TYPE + " characters (got "
                    + canonical.length() + ")");
        }
        return canonical;
    }

    static void name(String field, String v, boolean required) {
        if (v == null) {
            if (required) {
                throw PeniaException.invalid(field, "is required");
            }
            return;
        }
        if (v.isBlank()) {
            throw PeniaException.invalid(field, "must not be blank");
        }
        if (v.length() > MAX_NAME) {
            throw PeniaException.invalid(field, "longer than " + MAX_NAME + " characters");
        }
    }

    static void tokens(String field, long v) {
        if (v < 0) {
            throw PeniaException.invalid(field, "must not be negative");
        }
        if (v > MAX_TOKENS) {
            throw PeniaException.invalid(field, "must be at most " + MAX_TOKENS);
        }
    }
}
