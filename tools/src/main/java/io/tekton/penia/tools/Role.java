package io.tekton.penia.tools;

import io.tekton.penia.engine.model.WireName;

import java.util.Optional;

/**
 * What an API key may do (SPEC §9); its wire name ({@code admin}, {@code component} or
 * {@code viewer}) is how keys, errors and audit rows spell it.
 */
public enum Role implements WireName {
    ADMIN,
    COMPONENT,
    VIEWER;

    /** The wire name, so that a role reads the same in a sentence as on the wire. */
    @Override
    public String toString() {
        return wireName();
    }

    /** The role with this wire name; empty for null or any other text. */
    public static Optional<Role> parse(String wireName) {
        return WireName.parse(Role.class, wireName);
    }
}
