package io.tekton.penia.it.support;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock that runs at real speed from a chosen instant. Tests that read daily, weekly or
 * monthly figures across many requests start their server on one (at a Wednesday noon), so
 * that a run which happens to straddle midnight UTC does not see a period reset mid-test.
 */
public final class RunningClock implements InstantSource {
    /** Wednesday 2026-11-18 12:00 UTC: twelve hours from any day boundary, days from a week or month one. */
    public static final Instant MIDWEEK_NOON = Instant.parse("2026-11-18T12:00:00Z");

    private final Instant start;
    private final long startNanos = System.nanoTime();

    public RunningClock(Instant start) {
        this.start = start;
    }

    public static RunningClock midweekNoon() {
        return new RunningClock(MIDWEEK_NOON);
    }

    @Override
    public Instant instant() {
        return start.plus(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
