package io.tekton.penia.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What usage may be grouped by ({@code group_by} values, and the budget summary's breakdowns). */
public enum Dimension {
    PROVIDER,
    MODEL,
    COMPONENT,
    TASK_TYPE,
    DAY,
    HOUR;

    /** The breakdowns of a budget summary, in the order they are answered. */
    public static final List<Dimension> BREAKDOWNS = List.of(PROVIDER, MODEL, COMPONENT);

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The snake_case wire name, e.g. {@code task_type}. */
    public String wireName() {
        return wire;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(Dimension::wireName).toList();
    }

    /** The dimension with this wire name; empty for null or any other text. */
    public static Optional<Dimension> parse(String wireName) {
        for (Dimension d : values()) {
            if (d.wire.equals(wireName)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
