package io.tekton.penia.engine.model;

import java.time.Instant;

/**
 * One row of the usage ledger: what a component spent on one LLM call.
 *
 * @param seq         the ledger's monotonically increasing row number (paging cursor)
 * @param taskType    what the call was for, canonical ({@link CanonicalNames#taskType})
 * @param costSource  {@code reported} (the caller gave the cost), {@code computed}
 *                    (from the price catalog) or {@code unpriced} (no price known)
 * @param priceVersion the price version the cost was computed with, null if not computed
 */
public record UsageRecord(long seq, String recordId, String requestId, Instant timestamp,
                          String component, String provider, String model, String taskType,
                          long inputTokens, long outputTokens, long cachedInputTokens,
                          long cacheWriteTokens, long reasoningTokens,
                          Money cost, String costSource, String priceVersion,
                          String reservationId) {
    /** A record of the {@linkplain CanonicalNames#DEFAULT_TASK_TYPE default} task type. */
    public UsageRecord(long seq, String recordId, String requestId, Instant timestamp,
                       String component, String provider, String model,
                       long inputTokens, long outputTokens, long cachedInputTokens,
                       long cacheWriteTokens, long reasoningTokens,
                       Money cost, String costSource, String priceVersion,
                       String reservationId) {
        this(seq, recordId, requestId, timestamp, component, provider, model, CanonicalNames.DEFAULT_TASK_TYPE,
                inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens, cost, costSource,
                priceVersion, reservationId);
    }
}
