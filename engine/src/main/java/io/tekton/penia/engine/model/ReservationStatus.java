package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Optional;

/** What became of a hold: active until settled by a usage record, released, or expired. */
public enum ReservationStatus implements WireName {
    ACTIVE,
    SETTLED,
    RELEASED,
    EXPIRED;

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return WireName.wireNames(ReservationStatus.class);
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<ReservationStatus> parse(String wireName) {
        return WireName.parse(ReservationStatus.class, wireName);
    }
}
