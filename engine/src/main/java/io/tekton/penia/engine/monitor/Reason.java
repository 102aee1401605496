package io.tekton.penia.engine.monitor;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.WireName;

import java.math.BigDecimal;

/**
 * Why a monitor judged an operation as it did, for one budget and period.
 *
 * @param level            {@link Level} of this reason
 * @param projectedPercent (spent + reserved + estimate) / limit, in percent, 2 decimals
 */
public record Reason(String budgetId, Period period, String monitor, Money spent, Money reserved, Money limit,
                     BigDecimal projectedPercent, Level level, String detail) {
    /** The judgement of one monitor on one budget period. */
    public enum Level implements WireName {
        OK, INFO, WARNING, BLOCK
    }
}
