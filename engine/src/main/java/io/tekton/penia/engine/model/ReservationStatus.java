package io.tekton.penia.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What became of a hold: active until settled by a usage record, released, or expired. */
public enum ReservationStatus {
    ACTIVE,
    SETTLED,
    RELEASED,
    EXPIRED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The wire name, as the API, the ledger and the tool schemas spell it. */
    public String wireName() {
        return wire;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(ReservationStatus::wireName).toList();
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<ReservationStatus> parse(String wireName) {
        for (ReservationStatus v : values()) {
            if (v.wire.equals(wireName)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
