package io.tekton.penia.engine.monitor;

import java.util.List;

/**
 * The unified decision on an operation: both monitors' reasons, and the outcome. Switch on
 * it exhaustively; an expected "no" is a {@link Block}, never an exception.
 */
public sealed interface Decision {
    List<Reason> reasons();

    /** Every budget approves. */
    record Allow(List<Reason> reasons) implements Decision {
    }

    /** The operation may proceed, but a warning threshold (or a warn-only stop) was reached. */
    record Warn(List<Reason> reasons) implements Decision {
    }

    /** A blocking budget would pass its stop threshold, or its circuit breaker is open. */
    record Block(List<Reason> reasons) implements Decision {
    }

    default String wireName() {
        return switch (this) {
            case Allow a -> "allow";
            case Warn w -> "warn";
            case Block b -> "block";
        };
    }

    default boolean allowed() {
        return !(this instanceof Block);
    }
}
