package io.tekton.penia.engine.store;

/**
 * One row of the delivery outbox: an alert to be sent to one channel.
 *
 * @param target        the channel's URL or comma-separated addresses (never a secret)
 * @param channelIndex  the channel's position in the list it came from (a hint for the look-up)
 * @param nextAttemptMs when the next attempt is due, epoch milliseconds
 */
public record Delivery(String deliveryId, String alertId, String channelType, String target, int channelIndex,
                       String status, int attempts, long nextAttemptMs, String lastError, long createdMs, Long deliveredMs) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";
}
