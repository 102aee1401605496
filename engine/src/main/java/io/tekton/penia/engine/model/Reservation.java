package io.tekton.penia.engine.model;

import java.time.Instant;
import java.util.List;

/**
 * A hold of an estimated cost against every budget that matched the check, until it is
 * settled by a usage record, released, or expires.
 */
public record Reservation(String reservationId, String component, String provider, String model,
                          Money amount, List<String> budgetIds, Instant createdAt, Instant expiresAt,
                          String status) {
    public static final String ACTIVE = "active";
    public static final String SETTLED = "settled";
    public static final String RELEASED = "released";
    public static final String EXPIRED = "expired";

    public Reservation {
        budgetIds = List.copyOf(budgetIds);
    }

    public Reservation withStatus(String s) {
        return new Reservation(reservationId, component, provider, model, amount, budgetIds, createdAt, expiresAt, s);
    }
}
