package io.tekton.penia.engine;

import io.tekton.penia.engine.forecast.Forecast;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import java.time.Instant;

/** The live view of one budget period. */
public record PeriodStatus(Period period, Money spent, Money reserved, Money limit, Instant start, Instant end,
                           boolean breakerOpen, Money projected, Forecast forecast) {
}
