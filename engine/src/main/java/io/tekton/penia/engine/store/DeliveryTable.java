package io.tekton.penia.engine.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The alert-delivery outbox: writes for the {@link CommitQueue} (so they share the ledger's
 * transactions) and reads. No rules here.
 */
public interface DeliveryTable {
    /** The longest error text kept per delivery. */
    int MAX_ERROR_CHARS = 500;

    /** A pending delivery, only for an alert row that really exists (the alert insert itself may be a no-op). */
    Write insert(String deliveryId, String alertId, String type, String target, int index, long nowMs);

    Write markDelivered(String deliveryId, int attempts, long nowMs);

    /** Records a failed attempt: {@code failed} for good, or pending again at {@code nextMs}. */
    Write markAttemptFailed(String deliveryId, int attempts, boolean giveUp, long nextMs, String error);

    /**
     * Pending deliveries due at {@code nowMs}, at most {@code perTarget} of each channel target,
     * taken round-robin over the targets (the longest waiting first within each).
     */
    List<Delivery> due(long nowMs, int perTarget, int limit);

    /** When the earliest pending delivery that is not yet due falls due. */
    OptionalLong nextDueAfter(long nowMs);

    Optional<Delivery> find(String deliveryId);

    List<Delivery> forAlert(String alertId);

    /** Rows per status: pending, delivered, failed (zero when none). */
    Map<String, Long> counts();
}
