package io.tekton.penia.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** How a usage record's cost was found: reported by the caller, computed from the price catalog, or unpriced (no price known, cost zero). */
public enum CostSource {
    REPORTED,
    COMPUTED,
    UNPRICED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The wire name, as the API, the ledger and the tool schemas spell it. */
    public String wireName() {
        return wire;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(CostSource::wireName).toList();
    }

    /** The value with this wire name; empty for null or any other text. */
    public static Optional<CostSource> parse(String wireName) {
        for (CostSource v : values()) {
            if (v.wire.equals(wireName)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
