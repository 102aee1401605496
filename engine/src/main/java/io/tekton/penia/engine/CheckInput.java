package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Money;

/**
 * A question before a call: may this component spend about this much? The estimate is a
 * cost, or token counts costed through the price catalog.
 */
public record CheckInput(String component, String provider, String model, String taskType, Money estimatedCost,
                         Long estimatedInputTokens, Long estimatedOutputTokens, boolean reserve,
                         Long reservationTtlSeconds) {
    /** A check of the {@linkplain CanonicalNames#DEFAULT_TASK_TYPE default} task type. */
    public CheckInput(String component, String provider, String model, Money estimatedCost, Long estimatedInputTokens,
                      Long estimatedOutputTokens, boolean reserve, Long reservationTtlSeconds) {
        this(component, provider, model, null, estimatedCost, estimatedInputTokens, estimatedOutputTokens, reserve,
                reservationTtlSeconds);
    }

    public CheckInput {
        UsageInput.name("component", component, true);
        UsageInput.name("provider", provider, false);
        UsageInput.name("model", model, false);
        provider = CanonicalNames.provider(provider);
        model = CanonicalNames.model(provider, model);
        taskType = UsageInput.taskType(taskType);
        if (estimatedCost != null && estimatedCost.isNegative()) {
            throw PeniaException.invalid("estimated_cost", "must not be negative");
        }
        if (estimatedCost != null) {
            Money.checkRecordCost("estimated_cost", estimatedCost);
        }
        if (estimatedInputTokens != null) {
            UsageInput.tokens("estimated_input_tokens", estimatedInputTokens);
        }
        if (estimatedOutputTokens != null) {
            UsageInput.tokens("estimated_output_tokens", estimatedOutputTokens);
        }
        if (estimatedCost == null && estimatedInputTokens == null && estimatedOutputTokens == null) {
            throw PeniaException.invalid("estimated_cost",
                    "give estimated_cost or estimated_input_tokens + estimated_output_tokens");
        }
        if (reservationTtlSeconds != null && reservationTtlSeconds <= 0) {
            throw PeniaException.invalid("reservation_ttl_seconds", "must be positive");
        }
    }
}
