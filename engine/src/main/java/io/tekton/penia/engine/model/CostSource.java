package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Optional;

/** How a usage record's cost was found: reported by the caller, computed from the price catalog, or unpriced (no price known, cost zero). */
public enum CostSource implements WireName {
    REPORTED,
    COMPUTED,
    UNPRICED;

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return WireName.wireNames(CostSource.class);
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<CostSource> parse(String wireName) {
        return WireName.parse(CostSource.class, wireName);
    }
}
