package io.tekton.penia.engine.model;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A budget: a scope, a limit per period (any subset of periods), the thresholds of both
 * monitors, and what happens at the stop threshold.
 *
 * @param limits           limit per period; periods without a limit are absent
 * @param alertThresholds  guardrail alert thresholds in percent, ascending
 * @param cooldownSeconds  real-time alert cooldown per budget, period and threshold
 * @param description      free text about the budget, or null (Tekton's budget CLI sets it)
 * @param owner            who the budget belongs to, or null (free text, not an identity)
 * @param forecastAlerts   whether the budget raises projected_overrun alerts (issue 25)
 */
public record Budget(String budgetId, String name, Scope scope, Map<Period, Money> limits,
                     int warningPercent, int stopPercent, List<Integer> alertThresholds,
                     Enforcement enforcement, boolean active, long cooldownSeconds,
                     List<Channel> channels, Instant createdAt, Instant updatedAt, String description,
                     String owner, boolean forecastAlerts) {
    /** A budget without projected-overrun alerts. */
    public Budget(String budgetId, String name, Scope scope, Map<Period, Money> limits, int warningPercent,
                  int stopPercent, List<Integer> alertThresholds, Enforcement enforcement, boolean active,
                  long cooldownSeconds, List<Channel> channels, Instant createdAt, Instant updatedAt,
                  String description, String owner) {
        this(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds, enforcement, active,
                cooldownSeconds, channels, createdAt, updatedAt, description, owner, false);
    }

    /** A budget without description and owner. */
    public Budget(String budgetId, String name, Scope scope, Map<Period, Money> limits, int warningPercent,
                  int stopPercent, List<Integer> alertThresholds, Enforcement enforcement, boolean active,
                  long cooldownSeconds, List<Channel> channels, Instant createdAt, Instant updatedAt) {
        this(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds, enforcement, active,
                cooldownSeconds, channels, createdAt, updatedAt, null, null);
    }

    public Budget {
        EnumMap<Period, Money> copy = new EnumMap<>(Period.class);
        copy.putAll(limits);
        limits = java.util.Collections.unmodifiableMap(copy);
        alertThresholds = alertThresholds.stream().sorted().distinct().toList();
        channels = channels == null ? List.of() : List.copyOf(channels);
        if (warningPercent <= 0 || stopPercent <= 0) {
            throw new IllegalArgumentException("thresholds must be positive");
        }
    }

    public Budget withUpdatedAt(Instant t) {
        return new Budget(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds,
                enforcement, active, cooldownSeconds, channels, createdAt, t, description, owner, forecastAlerts);
    }
}
