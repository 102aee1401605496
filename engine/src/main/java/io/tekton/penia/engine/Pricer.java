package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Money;

import java.util.Optional;

/** Computes the cost of a call from the price catalog; empty when the model has no price. */
@FunctionalInterface
public interface Pricer {
    /** A computed cost and the price version it was computed with. */
    record Priced(Money cost, String priceVersion) {
    }

    Optional<Priced> price(String provider, String model, long inputTokens, long outputTokens,
                           long cachedInputTokens, long cacheWriteTokens, long reasoningTokens);

    /** A pricer that knows no prices: everything is unpriced. */
    static Pricer none() {
        return (p, m, i, o, c, w, r) -> Optional.empty();
    }
}
