package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

/**
 * The tokens of one LLM call, in the contract's convention (SPEC §3, "Usage"):
 * {@code input} counts every prompt token, the cached and cache-written ones included (as
 * OpenAI reports it), and {@code output} counts every completion token, reasoning included.
 * So {@code cachedInput + cacheWrite <= input} and {@code reasoning <= output}.
 *
 * <p>Invalid counts are rejected with {@link PeniaException#invalid} naming the wire field
 * ({@code input_tokens}, {@code cached_input_tokens}, ...), so adapters can pass the error on.
 *
 * @param input       every prompt token
 * @param output      every completion token
 * @param cachedInput prompt tokens read from the provider's cache
 * @param cacheWrite  prompt tokens written to the provider's cache
 * @param reasoning   completion tokens spent on reasoning
 */
public record TokenCounts(long input, long output, long cachedInput, long cacheWrite, long reasoning) {
    /**
     * The most tokens of any kind in one record: one hundred billion. Far above any real call
     * or batch, and low enough that no cost of such counts can overflow (see
     * {@link ModelPrice#MAX_USD_PER_TOKEN}).
     */
    public static final long MAX_TOKENS = 100_000_000_000L;

    /** No tokens at all. */
    public static final TokenCounts ZERO = new TokenCounts(0, 0, 0, 0, 0);

    public TokenCounts {
        check("input_tokens", input);
        check("output_tokens", output);
        check("cached_input_tokens", cachedInput);
        check("cache_write_tokens", cacheWrite);
        check("reasoning_tokens", reasoning);
        // Cannot overflow: both terms are at most MAX_TOKENS.
        if (cachedInput + cacheWrite > input) {
            throw PeniaException.invalid(cachedInput > input ? "cached_input_tokens" : "cache_write_tokens",
                    "cached_input_tokens + cache_write_tokens (" + cachedInput + " + " + cacheWrite
                            + ") must not exceed input_tokens (" + input + ")");
        }
        if (reasoning > output) {
            throw PeniaException.invalid("reasoning_tokens", "must not exceed output_tokens (" + reasoning
                    + " > " + output + ")");
        }
    }

    /** Plain input and output tokens: nothing cached, no reasoning reported apart. */
    public static TokenCounts of(long input, long output) {
        return new TokenCounts(input, output, 0, 0, 0);
    }

    /** The prompt tokens charged at the plain input price: neither cached nor cache-written. */
    public long uncachedInput() {
        return input - cachedInput - cacheWrite;
    }

    /** The completion tokens that are not reasoning tokens. */
    public long nonReasoningOutput() {
        return output - reasoning;
    }

    private static void check(String field, long value) {
        if (value < 0) {
            throw PeniaException.invalid(field, "must not be negative (got " + value + ")");
        }
        if (value > MAX_TOKENS) {
            throw PeniaException.invalid(field, "must be at most " + MAX_TOKENS + " (got " + value + ")");
        }
    }
}
