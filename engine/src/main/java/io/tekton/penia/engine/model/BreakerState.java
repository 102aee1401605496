package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Optional;

/** A budget period's circuit breaker: open (blocking until reset or a new period) or closed. */
public enum BreakerState implements WireName {
    OPEN,
    CLOSED;

    /** The state of a breaker that is open or not. */
    public static BreakerState of(boolean open) {
        return open ? OPEN : CLOSED;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return WireName.wireNames(BreakerState.class);
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<BreakerState> parse(String wireName) {
        return WireName.parse(BreakerState.class, wireName);
    }
}
