package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The price of one model at one provider, in exact USD per token, with what the catalog
 * knows about its context window, capabilities and retirement.
 *
 * <p>The optional prices are {@code null} when the provider does not price that kind of
 * token apart: cached and cache-written prompt tokens are then charged at the input price,
 * reasoning tokens at the output price (see {@link CostFormula}). A price of zero is a real
 * price (the catalog lists free and self-hosted models), never a stand-in for "unknown":
 * an unknown model has no {@code ModelPrice} at all.
 *
 * <p>The compact constructor normalises (provider lower-case, names trimmed, prices without
 * trailing zeros, capabilities lower-case and sorted) and rejects anything out of range with
 * {@link PeniaException#invalid}.
 *
 * @param provider           the billing provider, lower-case ({@code openai}, {@code anthropic},
 *                           {@code vertex_ai-language-models}, ...)
 * @param model              the model name without a provider route prefix ({@code gpt-4o})
 * @param inputPerToken      USD per prompt token that is neither cached nor cache-written
 * @param outputPerToken     USD per completion token
 * @param cacheReadPerToken  USD per cached prompt token, or {@code null} for the input price
 * @param cacheWritePerToken USD per cache-written prompt token, or {@code null} for the input price
 * @param reasoningPerToken  USD per reasoning token, or {@code null} when reasoning tokens are
 *                           plain output tokens
 * @param maxInputTokens     context window for the prompt, or {@code null} when unknown
 * @param maxOutputTokens    largest completion, or {@code null} when unknown
 * @param capabilities       what the model supports ({@code vision}, {@code function_calling},
 *                           {@code reasoning}, ...); never {@code null}
 * @param deprecationDate    the day the provider retires the model, or {@code null}
 * @param tiers              long-context rates by prompt size, ascending thresholds; never
 *                           {@code null} (see {@link #tierFor})
 */
public record ModelPrice(String provider, String model, BigDecimal inputPerToken, BigDecimal outputPerToken,
                         BigDecimal cacheReadPerToken, BigDecimal cacheWritePerToken,
                         BigDecimal reasoningPerToken, Long maxInputTokens, Long maxOutputTokens,
                         Set<String> capabilities, LocalDate deprecationDate, List<PriceTier> tiers) {
    /**
     * The highest accepted price of any token kind: one dollar per token. The dearest real
     * model costs well under a thousandth of that; the limit keeps every cost of
     * {@link TokenCounts#MAX_TOKENS} tokens far inside a {@code long} of micro-dollars.
     */
    public static final BigDecimal MAX_USD_PER_TOKEN = BigDecimal.ONE;
    /** The longest provider or model name accepted, in characters. */
    public static final int MAX_NAME_CHARS = 256;
    /** The most capabilities one model may list. */
    public static final int MAX_CAPABILITIES = 64;
    /** The largest context size accepted, in tokens (one billion). */
    public static final long MAX_CONTEXT_TOKENS = 1_000_000_000L;

    public ModelPrice {
        provider = name("provider", provider).toLowerCase(Locale.ROOT);
        model = name("model", model);
        inputPerToken = price("input_per_token", inputPerToken, true);
        outputPerToken = price("output_per_token", outputPerToken, true);
        cacheReadPerToken = price("cache_read_per_token", cacheReadPerToken, false);
        cacheWritePerToken = price("cache_write_per_token", cacheWritePerToken, false);
        reasoningPerToken = price("reasoning_per_token", reasoningPerToken, false);
        context("max_input_tokens", maxInputTokens);
        context("max_output_tokens", maxOutputTokens);
        capabilities = capabilities(capabilities);
        tiers = tiers(tiers);
    }

    /** A price without long-context tiers. */
    public ModelPrice(String provider, String model, BigDecimal inputPerToken, BigDecimal outputPerToken,
                      BigDecimal cacheReadPerToken, BigDecimal cacheWritePerToken,
                      BigDecimal reasoningPerToken, Long maxInputTokens, Long maxOutputTokens,
                      Set<String> capabilities, LocalDate deprecationDate) {
        this(provider, model, inputPerToken, outputPerToken, cacheReadPerToken, cacheWritePerToken,
                reasoningPerToken, maxInputTokens, maxOutputTokens, capabilities, deprecationDate, List.of());
    }

    /**
     * The tier a call with this many prompt tokens is billed at: the highest one whose threshold
     * it is above, or {@code null} for the base rates.
     */
    public PriceTier tierFor(long inputTokens) {
        PriceTier hit = null;
        for (PriceTier t : tiers) {
            if (inputTokens > t.aboveInputTokens()) {
                hit = t;
            }
        }
        return hit;
    }

    /** A price without a known deprecation date. */
    public ModelPrice(String provider, String model, BigDecimal inputPerToken, BigDecimal outputPerToken,
                      BigDecimal cacheReadPerToken, BigDecimal cacheWritePerToken,
                      BigDecimal reasoningPerToken, Long maxInputTokens, Long maxOutputTokens,
                      Set<String> capabilities) {
        this(provider, model, inputPerToken, outputPerToken, cacheReadPerToken, cacheWritePerToken,
                reasoningPerToken, maxInputTokens, maxOutputTokens, capabilities, null);
    }

    /** The simplest price: input and output only, nothing else known. */
    public static ModelPrice of(String provider, String model, BigDecimal inputPerToken,
                                BigDecimal outputPerToken) {
        return new ModelPrice(provider, model, inputPerToken, outputPerToken, null, null, null,
                null, null, Set.of(), null);
    }

    /** Whether the model lists this capability (case-insensitive). */
    public boolean hasCapability(String capability) {
        return capability != null && capabilities.contains(capability.toLowerCase(Locale.ROOT));
    }

    /** Whether the provider has retired the model on or before {@code day}. */
    public boolean isDeprecatedOn(LocalDate day) {
        return deprecationDate != null && !deprecationDate.isAfter(day);
    }

    /** Whether both the input and the output price are zero (free tiers, self-hosted models). */
    public boolean isFree() {
        return inputPerToken.signum() == 0 && outputPerToken.signum() == 0;
    }

    /** The same price under another provider and model name (for {@code PUT /prices}). */
    public ModelPrice withName(String newProvider, String newModel) {
        return new ModelPrice(newProvider, newModel, inputPerToken, outputPerToken, cacheReadPerToken,
                cacheWritePerToken, reasoningPerToken, maxInputTokens, maxOutputTokens, capabilities,
                deprecationDate, tiers);
    }

    private static String name(String field, String value) {
        if (value == null || value.isBlank()) {
            throw PeniaException.invalid(field, "must not be blank");
        }
        String trimmed = value.strip();
        if (trimmed.length() > MAX_NAME_CHARS) {
            throw PeniaException.invalid(field, "must be at most " + MAX_NAME_CHARS + " characters (got "
                    + trimmed.length() + ")");
        }
        for (int i = 0; i < trimmed.length(); i++) {
            if (Character.isISOControl(trimmed.charAt(i))) {
                throw PeniaException.invalid(field, "must not contain control characters");
            }
        }
        return trimmed;
    }

    /** The most long-context tiers one model may have. */
    public static final int MAX_TIERS = 8;

    private static List<PriceTier> tiers(List<PriceTier> values) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        if (values.size() > MAX_TIERS) {
            throw PeniaException.invalid("tiers", "must list at most " + MAX_TIERS + " (got " + values.size() + ")");
        }
        List<PriceTier> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.comparingLong(PriceTier::aboveInputTokens));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).aboveInputTokens() == sorted.get(i - 1).aboveInputTokens()) {
                throw PeniaException.invalid("tiers", "two tiers have the threshold " + sorted.get(i).aboveInputTokens());
            }
        }
        return List.copyOf(sorted);
    }

    static BigDecimal price(String field, BigDecimal value, boolean required) {
        if (value == null) {
            if (required) {
                throw PeniaException.invalid(field, "is required");
            }
            return null;
        }
        if (value.signum() < 0) {
            throw PeniaException.invalid(field, "must not be negative (got " + value.toPlainString() + ")");
        }
        if (value.compareTo(MAX_USD_PER_TOKEN) > 0) {
            throw PeniaException.invalid(field, "must be at most " + MAX_USD_PER_TOKEN
                    + " USD per token (got " + value.toPlainString() + ")");
        }
        // One representation per value, so that equal prices are equal records.
        return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }

    private static void context(String field, Long value) {
        if (value != null && (value <= 0 || value > MAX_CONTEXT_TOKENS)) {
            throw PeniaException.invalid(field, "must be between 1 and " + MAX_CONTEXT_TOKENS
                    + " (got " + value + ")");
        }
    }

    private static Set<String> capabilities(Set<String> values) {
        return Names.sortedNames("capabilities", values, MAX_CAPABILITIES,
                value -> name("capabilities", value).toLowerCase(Locale.ROOT));
    }
}
