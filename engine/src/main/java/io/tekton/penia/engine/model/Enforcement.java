package io.tekton.penia.engine.model;

/** What a budget does at its stop threshold: block the operation, or only warn. */
public enum Enforcement implements WireName {
    BLOCK, WARN
}
