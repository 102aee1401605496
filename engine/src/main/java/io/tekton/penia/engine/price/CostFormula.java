package io.tekton.penia.engine.price;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one cost formula of the contract (SPEC §3, "Usage"). Every cost Penia computes from
 * tokens, whether for a record, a check or a recommendation, comes from here:
 *
 * <pre>
 *   (input − cached − cache_write) × input price
 * + cached      × cache-read price   (the input price when the model has none)
 * + cache_write × cache-write price  (the input price when the model has none)
 * + output      × output price
 * </pre>
 *
 * and, for a model that prices reasoning apart, the output term becomes
 * {@code (output − reasoning) × output price + reasoning × reasoning price}.
 *
 * <p>A model with long-context tiers is billed at the rates of the highest tier whose
 * threshold the prompt (every input token) is above, for the whole call
 * ({@link ModelPrice#tierFor}); a rate the tier does not give is the base one.
 *
 * <p>The sum is computed exactly in {@link BigDecimal} and rounded once, half-up, to whole
 * micro-dollars: rounding each term apart would let a ledger of many small calls drift from
 * the sum of their exact costs.
 */
public final class CostFormula {
    private static final int MICRO_DIGITS = 6;

    private CostFormula() {
    }

    /** The exact cost in USD, unrounded. Never negative. */
    public static BigDecimal costUsd(ModelPrice price, TokenCounts tokens) {
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(tokens, "tokens");
        PriceTier tier = price.tierFor(tokens.input());
        BigDecimal input = rate(tier, PriceTier::inputPerToken, price.inputPerToken());
        BigDecimal output = rate(tier, PriceTier::outputPerToken, price.outputPerToken());
        BigDecimal cacheRead = rate(tier, PriceTier::cacheReadPerToken, price.cacheReadPerToken());
        BigDecimal cacheWrite = rate(tier, PriceTier::cacheWritePerToken, price.cacheWritePerToken());
        cacheRead = cacheRead != null ? cacheRead : input;
        cacheWrite = cacheWrite != null ? cacheWrite : input;
        BigDecimal cost = times(tokens.uncachedInput(), input)
                .add(times(tokens.cachedInput(), cacheRead))
                .add(times(tokens.cacheWrite(), cacheWrite));
        if (price.reasoningPerToken() != null) {
            cost = cost.add(times(tokens.nonReasoningOutput(), output))
                    .add(times(tokens.reasoning(), price.reasoningPerToken()));
        } else {
            cost = cost.add(times(tokens.output(), output));
        }
        return cost;
    }

    /** The cost in whole micro-dollars: {@link #costUsd} rounded once, half-up. */
    public static long costMicros(ModelPrice price, TokenCounts tokens) {
        return toMicros(costUsd(price, tokens));
    }

    /** USD to whole micro-dollars, rounded half-up; exact when the amount has at most six decimals. */
    public static long toMicros(BigDecimal usd) {
        // Bounded by MAX_TOKENS × MAX_USD_PER_TOKEN, so longValueExact cannot fail for costs.
        return usd.movePointRight(MICRO_DIGITS).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** The tier's rate of a kind when there is a tier and it gives one, else the base rate (which may be null). */
    private static BigDecimal rate(PriceTier tier, Function<PriceTier, BigDecimal> kind, BigDecimal base) {
        BigDecimal r = tier == null ? null : kind.apply(tier);
        return r != null ? r : base;
    }

    private static BigDecimal times(long tokens, BigDecimal perToken) {
        return tokens == 0 ? BigDecimal.ZERO : perToken.multiply(BigDecimal.valueOf(tokens));
    }
}
