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
    // Wire names of ReservationStatus; the engine still passes statuses as strings until its split.
    public static final String ACTIVE = ReservationStatus.ACTIVE.wireName();
    public static final String SETTLED = ReservationStatus.SETTLED.wireName();
    public static final String RELEASED = ReservationStatus.RELEASED.wireName();
    public static final String EXPIRED = ReservationStatus.EXPIRED.wireName();

    public Reservation {
        budgetIds = List.copyOf(budgetIds);
    }

    /** The status as a type; empty for a status no {@link ReservationStatus} has. */
    public java.util.Optional<ReservationStatus> state() {
        return ReservationStatus.parse(status);
    }

    public Reservation withStatus(ReservationStatus s) {
        return withStatus(s.wireName());
    }

    public Reservation withStatus(String s) {
        return new Reservation(reservationId, component, provider, model, amount, budgetIds, createdAt, expiresAt, s);
    }
}
