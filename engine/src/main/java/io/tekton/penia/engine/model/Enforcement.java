package io.tekton.penia.engine.model;

/** What a budget does at its stop threshold: block the operation, or only warn. */
public enum Enforcement {
    BLOCK, WARN;

    private final String wire = name().toLowerCase(java.util.Locale.ROOT);

    /** The lower-case name used in JSON (computed once: it is written on every answer). */
    public String wireName() {
        return wire;
    }
}
