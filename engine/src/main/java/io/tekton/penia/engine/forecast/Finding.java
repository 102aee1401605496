package io.tekton.penia.engine.forecast;

/**
 * What the anomaly watch noticed: a spend spike of one dimension value, or spend appearing
 * for a model or component for the first time.
 *
 * @param type                 {@code spend_spike}, {@code new_model} or {@code new_component}
 * @param dimension            {@code component}, {@code provider}, {@code model} or {@code task_type} (spikes only)
 * @param value                the component, provider, model or task type
 * @param baselinePerMinute    the baseline spend rate, micro-dollars per minute (spikes only)
 * @param observedPerMinute    the spend rate over the last 5 minutes, micro-dollars per minute (spikes only)
 * @param factor               observed over baseline (infinite when the baseline is zero; spikes only)
 * @param windowMicros         spend in the 5-minute window (spikes), or the first spend (notices)
 * @param atEpochSecond        when the watch saw it
 */
public record Finding(String type, String dimension, String value, double baselinePerMinute,
                      double observedPerMinute, double factor, long windowMicros, long atEpochSecond) {
    public static final String SPEND_SPIKE = "spend_spike";
    public static final String NEW_MODEL = "new_model";
    public static final String NEW_COMPONENT = "new_component";
}
