package io.tekton.penia.engine.price;

import java.util.Objects;

/**
 * One recommended model, as ranked by {@link Recommender}.
 *
 * @param provider             the catalog provider
 * @param model                the catalog model name
 * @param estimatedCostMicros  cost of the request's estimated call, in micro-USD ({@link CostFormula})
 * @param savingsMicros        the current model's cost minus this one's (negative when dearer),
 *                             or {@code null} when the request named no current model or it
 *                             has no price
 * @param fitsRemainingBudget  whether the estimated cost fits the remaining budget that applies
 *                             to this model ({@code true} when no budget applies)
 * @param reason               why it is recommended, for people
 */
public record Recommendation(String provider, String model, long estimatedCostMicros, Long savingsMicros,
                             boolean fitsRemainingBudget, String reason) {
    public Recommendation {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reason, "reason");
        if (estimatedCostMicros < 0) {
            throw new IllegalArgumentException("estimatedCostMicros must not be negative (got "
                    + estimatedCostMicros + ")");
        }
    }
}
