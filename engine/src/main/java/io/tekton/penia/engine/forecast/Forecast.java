package io.tekton.penia.engine.forecast;

import java.time.Instant;

/**
 * A period's projected end: the expected spend at the period's end with an 80 % interval,
 * and when the stop threshold is expected to be reached (null when not before the end;
 * the current time when it already is).
 *
 * @param expectedMicros projected spend at the end of the period
 * @param lowMicros      lower end of the 80 % interval (never below the spend so far)
 * @param highMicros     upper end of the 80 % interval
 * @param stopAt         projected time the stop threshold is reached, or null
 * @param method         {@code seasonal_weekly}, {@code seasonal_daily}, {@code recent_rate} or {@code period_rate}
 * @param historyHours   hours of history the profile has seen
 */
public record Forecast(long expectedMicros, long lowMicros, long highMicros, Instant stopAt, String method,
                       long historyHours) {
    /** The interval the low and high ends cover. */
    public static final int INTERVAL_PERCENT = 80;
}
