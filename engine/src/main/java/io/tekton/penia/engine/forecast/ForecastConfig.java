package io.tekton.penia.engine.forecast;

/**
 * How projected-overrun alerts repeat.
 *
 * @param alertStepPercent a budget's projected_overrun alert fires once per period, and again only
 *                         when the projection has worsened by this many percent of the limit since
 *                         (and the budget's cooldown has passed)
 */
public record ForecastConfig(int alertStepPercent) {
    public ForecastConfig {
        if (alertStepPercent < 1 || alertStepPercent > 1000) {
            throw new IllegalArgumentException("alertStepPercent must be in 1..1000, was " + alertStepPercent);
        }
    }

    /** Re-alert after the projection worsens by 10 % of the limit. */
    public static ForecastConfig defaults() {
        return new ForecastConfig(10);
    }
}
