package io.tekton.penia.engine;

import io.tekton.penia.engine.model.UsageRecord;

/**
 * A stored usage record; {@code created} is false when the request id had been seen before
 * and the earlier record is returned. {@code reservationStatus} tells how a given
 * reservation was found (settled now, or already expired/released), null without one.
 */
public record RecordResult(UsageRecord record, boolean created, String reservationStatus) {
}
