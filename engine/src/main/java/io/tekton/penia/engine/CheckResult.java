package io.tekton.penia.engine;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.monitor.Decision;

/**
 * The unified decision, the smallest remaining amount over the matching budget periods
 * (null when no budget matched), the estimate used, and the hold when one was made.
 */
public record CheckResult(Decision decision, Money remaining, Money estimate, Reservation reservation) {
}
