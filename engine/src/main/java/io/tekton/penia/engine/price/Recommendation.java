package io.tekton.penia.engine.price;

import java.util.List;
import java.util.Objects;

/**
 * One recommended model, as ranked by {@link Recommender}: the cheapest route to it, and the
 * other routes to the same model (resellers, clouds, regions).
 *
 * @param provider             the catalog provider of the cheapest route
 * @param model                the catalog model name at that provider
 * @param estimatedCostMicros  cost of the request's estimated call, in micro-USD ({@link CostFormula})
 * @param savingsMicros        the current model's cost minus this one's (negative when dearer),
 *                             or {@code null} when the request named no current model or it
 *                             has no price
 * @param fitsRemainingBudget  whether the estimated cost fits the remaining budget that applies
 *                             to this model ({@code true} when no budget applies)
 * @param reason               why it is recommended, one sentence for people
 * @param qualityTier          the model's tier for the task, 1 (basic) to 6 (frontier), from
 *                             {@link ModelQuality}, or {@code null} when the table lacks the model
 * @param routeCount           how many routes to this model qualified (1 when only this one)
 * @param otherRoutes          the next cheapest of the other routes, cheapest first, at most
 *                             {@link #MAX_OTHER_ROUTES}
 */
public record Recommendation(String provider, String model, long estimatedCostMicros, Long savingsMicros,
                             boolean fitsRemainingBudget, String reason, Integer qualityTier, int routeCount,
                             List<Route> otherRoutes) {
    /** The most other routes listed with one recommendation. */
    public static final int MAX_OTHER_ROUTES = 5;

    /** Another route to the same model: a provider, its name for the model and the call's cost. */
    public record Route(String provider, String model, long estimatedCostMicros) {
        public Route {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(model, "model");
        }
    }

    public Recommendation {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reason, "reason");
        if (estimatedCostMicros < 0) {
            throw new IllegalArgumentException("estimatedCostMicros must not be negative (got "
                    + estimatedCostMicros + ")");
        }
        otherRoutes = otherRoutes == null ? List.of() : List.copyOf(otherRoutes);
        if (routeCount < 1 + otherRoutes.size() || otherRoutes.size() > MAX_OTHER_ROUTES) {
            throw new IllegalArgumentException("routeCount " + routeCount + " with " + otherRoutes.size()
                    + " other routes listed (at most " + MAX_OTHER_ROUTES + ")");
        }
    }

    /** A recommendation with one route and no quality tier. */
    public Recommendation(String provider, String model, long estimatedCostMicros, Long savingsMicros,
                          boolean fitsRemainingBudget, String reason) {
        this(provider, model, estimatedCostMicros, savingsMicros, fitsRemainingBudget, reason, null, 1, List.of());
    }
}
