package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;

import java.math.BigDecimal;

/**
 * A long-context tier of a model's price: when a call's prompt (every input token, cached and
 * cache-written included) is above {@code aboveInputTokens}, the whole call is billed at these
 * rates (input, cache and output), as Anthropic, Google and OpenAI bill long prompts. A
 * {@code null} rate keeps the model's base rate for that kind of token.
 *
 * @param aboveInputTokens   the threshold: the tier applies to prompts of more tokens than this
 * @param inputPerToken      USD per uncached prompt token, or {@code null} for the base rate
 * @param outputPerToken     USD per completion token, or {@code null} for the base rate
 * @param cacheReadPerToken  USD per cached prompt token, or {@code null} for the base rate
 * @param cacheWritePerToken USD per cache-written prompt token, or {@code null} for the base rate
 */
public record PriceTier(long aboveInputTokens, BigDecimal inputPerToken, BigDecimal outputPerToken,
                        BigDecimal cacheReadPerToken, BigDecimal cacheWritePerToken) {
    public PriceTier {
        if (aboveInputTokens <= 0 || aboveInputTokens > ModelPrice.MAX_CONTEXT_TOKENS) {
            throw PeniaException.invalid("tiers.above_input_tokens", "must be between 1 and "
                    + ModelPrice.MAX_CONTEXT_TOKENS + " (got " + aboveInputTokens + ")");
        }
        inputPerToken = ModelPrice.price("tiers.input_per_token", inputPerToken, false);
        outputPerToken = ModelPrice.price("tiers.output_per_token", outputPerToken, false);
        cacheReadPerToken = ModelPrice.price("tiers.cache_read_per_token", cacheReadPerToken, false);
        cacheWritePerToken = ModelPrice.price("tiers.cache_write_per_token", cacheWritePerToken, false);
        if (inputPerToken == null && outputPerToken == null && cacheReadPerToken == null && cacheWritePerToken == null) {
            throw PeniaException.invalid("tiers", "a tier needs at least one rate");
        }
    }
}
