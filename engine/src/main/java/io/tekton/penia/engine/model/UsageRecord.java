package io.tekton.penia.engine.model;

import java.time.Instant;

/**
 * One row of the usage ledger: what a component spent on one LLM call.
 *
 * @param seq         the ledger's monotonically increasing row number (paging cursor)
 * @param costSource  {@code reported} (the caller gave the cost), {@code computed}
 *                    (from the price catalog) or {@code unpriced} (no price known)
 * @param priceVersion the price version the cost was computed with, null if not computed
 */
public record UsageRecord(long seq, String recordId, String requestId, Instant timestamp,
                          String component, String provider, String model,
                          long inputTokens, long outputTokens, long cachedInputTokens,
                          long cacheWriteTokens, long reasoningTokens,
                          Money cost, String costSource, String priceVersion,
                          String reservationId) {
}
