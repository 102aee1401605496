package io.tekton.penia.engine;

import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * Everything the engine is told at construction; validated by the server's config loader.
 *
 * @param zone                   time zone of period boundaries
 * @param defaultReservationTtl  hold time when a check does not say
 * @param maxReservationTtl      longest hold a check may ask for
 * @param evaluationInterval     how often the guardrail monitor evaluates every budget
 * @param defaultThresholds      alert thresholds of new budgets, percent
 * @param defaultWarningPercent  warning threshold of new budgets
 * @param defaultStopPercent     stop threshold of new budgets
 * @param defaultCooldown        alert cooldown of new budgets
 * @param writerQueueCapacity    writes waiting for the group-commit writer, at most
 * @param writerMaxBatch         writes in one transaction, at most
 * @param maxTimestampSkew       how far in the future a usage timestamp may be
 * @param maxBackdate            how far in the past a usage timestamp may be
 */
public record EngineConfig(ZoneId zone, InstantSource clock, Duration defaultReservationTtl, Duration maxReservationTtl,
                           Duration evaluationInterval, List<Integer> defaultThresholds, int defaultWarningPercent,
                           int defaultStopPercent, Duration defaultCooldown, int writerQueueCapacity,
                           int writerMaxBatch, Duration maxTimestampSkew,
                           Duration maxBackdate) {
    public EngineConfig {
        Objects.requireNonNull(zone);
        Objects.requireNonNull(clock);
        defaultThresholds = List.copyOf(defaultThresholds);
        Objects.requireNonNull(maxTimestampSkew);
        Objects.requireNonNull(maxBackdate);
    }

    /** The back-dating window of new configurations: a usage may be recorded up to 400 days late. */
    public static final Duration DEFAULT_MAX_BACKDATE = Duration.ofDays(400);

    /** Defaults: UTC, system clock, 10-minute holds, thresholds 70/80/90/100, 80/95, 5 min skew, 400 days back. */
    public static EngineConfig defaults() {
        return new EngineConfig(ZoneId.of("UTC"), InstantSource.system(), Duration.ofMinutes(10), Duration.ofHours(24),
                Duration.ofSeconds(60), List.of(70, 80, 90, 100), 80, 95, Duration.ofHours(1), 65_536, 2_048,
                Duration.ofMinutes(5), DEFAULT_MAX_BACKDATE);
    }

    public EngineConfig withZone(ZoneId z) {
        return new EngineConfig(z, clock, defaultReservationTtl, maxReservationTtl, evaluationInterval, defaultThresholds,
                defaultWarningPercent, defaultStopPercent, defaultCooldown, writerQueueCapacity, writerMaxBatch,
                maxTimestampSkew, maxBackdate);
    }

    public EngineConfig withClock(InstantSource c) {
        return new EngineConfig(zone, c, defaultReservationTtl, maxReservationTtl, evaluationInterval, defaultThresholds,
                defaultWarningPercent, defaultStopPercent, defaultCooldown, writerQueueCapacity, writerMaxBatch,
                maxTimestampSkew, maxBackdate);
    }

    public EngineConfig withEvaluationInterval(Duration d) {
        return new EngineConfig(zone, clock, defaultReservationTtl, maxReservationTtl, d, defaultThresholds,
                defaultWarningPercent, defaultStopPercent, defaultCooldown, writerQueueCapacity, writerMaxBatch,
                maxTimestampSkew, maxBackdate);
    }
}
