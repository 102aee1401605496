package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Optional;

/** What usage may be grouped by ({@code group_by} values, and the budget summary's breakdowns). */
public enum Dimension implements WireName {
    PROVIDER,
    MODEL,
    COMPONENT,
    TASK_TYPE,
    DAY,
    HOUR;

    /** The breakdowns of a budget summary, in the order they are answered. */
    public static final List<Dimension> BREAKDOWNS = List.of(PROVIDER, MODEL, COMPONENT);

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return WireName.wireNames(Dimension.class);
    }

    /** The dimension with this wire name; empty for null or any other text. */
    public static Optional<Dimension> parse(String wireName) {
        return WireName.parse(Dimension.class, wireName);
    }
}
