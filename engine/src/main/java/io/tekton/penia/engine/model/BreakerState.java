package io.tekton.penia.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A budget period's circuit breaker: open (blocking until reset or a new period) or closed. */
public enum BreakerState {
    OPEN,
    CLOSED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The wire name, as the API, the ledger and the tool schemas spell it. */
    public String wireName() {
        return wire;
    }

    /** The state of a breaker that is open or not. */
    public static BreakerState of(boolean open) {
        return open ? OPEN : CLOSED;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(BreakerState::wireName).toList();
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<BreakerState> parse(String wireName) {
        for (BreakerState v : values()) {
            if (v.wire.equals(wireName)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
