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
    /** An empty spec to fill by name: every field left out stays null (keep, or the default). */
    public static Builder builder() {
        return new Builder();
    }

    /** Names the fields of a spec instead of fourteen positional arguments. */
    public static final class Builder {
        private String budgetId;
        private String name;
        private Scope scope;
        private Map<Period, Money> limits;
        private Integer warningPercent;
        private Integer stopPercent;
        private List<Integer> alertThresholds;
        private Enforcement enforcement;
        private Boolean active;
        private Long cooldownSeconds;
        private List<Channel> channels;
        private String description;
        private String owner;
        private Boolean forecastAlerts;

        private Builder() {
        }

        // One line a field: each setter only stores its argument.
        public Builder budgetId(String v) { budgetId = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder scope(Scope v) { scope = v; return this; }
        public Builder limits(Map<Period, Money> v) { limits = v; return this; }
        public Builder warningPercent(Integer v) { warningPercent = v; return this; }
        public Builder stopPercent(Integer v) { stopPercent = v; return this; }
        public Builder alertThresholds(List<Integer> v) { alertThresholds = v; return this; }
        public Builder enforcement(Enforcement v) { enforcement = v; return this; }
        public Builder active(Boolean v) { active = v; return this; }
        public Builder cooldownSeconds(Long v) { cooldownSeconds = v; return this; }
        public Builder channels(List<Channel> v) { channels = v; return this; }
        public Builder description(String v) { description = v; return this; }
        public Builder owner(String v) { owner = v; return this; }
        public Builder forecastAlerts(Boolean v) { forecastAlerts = v; return this; }

        public BudgetSpec build() {
            return new BudgetSpec(budgetId, name, scope, limits, warningPercent, stopPercent, alertThresholds,
                    enforcement, active, cooldownSeconds, channels, description, owner, forecastAlerts);
        }
    }
}
