package io.tekton.penia.engine.model;

import java.time.Instant;

/**
 * An alert raised by either monitor. {@code suppressedCount} counts the repeats of the
 * same crossing (same budget, period and threshold) that were not raised again.
 */
public record Alert(String alertId, String budgetId, Period period, Instant periodStart, String alertType,
                    Integer thresholdPercent, String severity, String monitor, String message,
                    boolean dismissed, Instant createdAt, long suppressedCount) {
    public Alert withDismissed(boolean d) {
        return new Alert(alertId, budgetId, period, periodStart, alertType, thresholdPercent, severity, monitor,
                message, d, createdAt, suppressedCount);
    }

    public Alert withSuppressedCount(long n) {
        return new Alert(alertId, budgetId, period, periodStart, alertType, thresholdPercent, severity, monitor,
                message, dismissed, createdAt, n);
    }
}
