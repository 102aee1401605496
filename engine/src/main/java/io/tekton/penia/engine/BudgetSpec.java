package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;

import java.util.List;
import java.util.Map;

/**
 * What a caller asks a budget to be. Null fields keep the current value on update and take
 * the configured default on create. {@code limits} replaces all limits when given; a period
 * mapped to null has no limit. {@code description} and {@code owner}: free text; an empty
 * string clears it. {@code forecastAlerts}: projected_overrun alerts on or off (off on create by default).
 */
public record BudgetSpec(String budgetId, String name, Scope scope, Map<Period, Money> limits, Integer warningPercent,
                         Integer stopPercent, List<Integer> alertThresholds, Enforcement enforcement, Boolean active,
                         Long cooldownSeconds, List<Channel> channels, String description, String owner,
                         Boolean forecastAlerts) {
    /** A spec that leaves forecast alerts as they are. */
    public BudgetSpec(String budgetId, String name, Scope scope, Map<Period, Money> limits, Integer warningPercent,
                      Integer stopPercent, List<Integer> alertThresholds, Enforcement enforcement, Boolean active,
                      Long cooldownSeconds, List<Channel> channels, String description, String owner) {
        this(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds, enforcement, active,
                cooldownSeconds, channels, description, owner, null);
    }

    /** A spec that leaves description and owner as they are. */
    public BudgetSpec(String budgetId, String name, Scope scope, Map<Period, Money> limits, Integer warningPercent,
                      Integer stopPercent, List<Integer> alertThresholds, Enforcement enforcement, Boolean active,
                      Long cooldownSeconds, List<Channel> channels) {
        this(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds, enforcement, active,
                cooldownSeconds, channels, null, null);
    }
}
