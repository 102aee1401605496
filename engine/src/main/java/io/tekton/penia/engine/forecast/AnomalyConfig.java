package io.tekton.penia.engine.forecast;

import java.time.Duration;
import java.util.Objects;

/**
 * How the spend-spike watch and the first-spend notices behave.
 *
 * @param enabled        whether spikes and notices are raised at all
 * @param spikeFactor    the 5-minute spend rate must reach this multiple of its baseline (sensitivity; lower is more sensitive)
 * @param minSpendMicros a spike needs at least this much spend in its 5-minute window (the floor)
 * @param warmup         a dimension value is watched for spikes only after this much history
 * @param noticeAfter    first-spend notices start once the watch has this much history (on a fresh
 *                       ledger everything is new)
 */
public record AnomalyConfig(boolean enabled, double spikeFactor, long minSpendMicros, Duration warmup,
                            Duration noticeAfter) {
    public AnomalyConfig {
        Objects.requireNonNull(warmup);
        Objects.requireNonNull(noticeAfter);
        if (!(spikeFactor > 1)) {
            throw new IllegalArgumentException("spikeFactor must be above 1, was " + spikeFactor);
        }
        if (minSpendMicros < 0) {
            throw new IllegalArgumentException("minSpendMicros must not be negative, was " + minSpendMicros);
        }
    }

    /** Enabled; factor 3; a $0.50 floor per 5 minutes; one hour of warm-up; notices after a day of history. */
    public static AnomalyConfig defaults() {
        return new AnomalyConfig(true, 3.0, 500_000, Duration.ofHours(1), Duration.ofHours(24));
    }
}
