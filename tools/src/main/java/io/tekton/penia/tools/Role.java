package io.tekton.penia.tools;

import java.util.Locale;
import java.util.Optional;

/** What an API key may do (SPEC §9); its wire name is how keys, errors and audit rows spell it. */
public enum Role {
    ADMIN,
    COMPONENT,
    VIEWER;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** {@code admin}, {@code component} or {@code viewer}. */
    public String wireName() {
        return wire;
    }

    /** The wire name, so that a role reads the same in a sentence as on the wire. */
    @Override
    public String toString() {
        return wire;
    }

    /** The role with this wire name; empty for null or any other text. */
    public static Optional<Role> parse(String wireName) {
        for (Role r : values()) {
            if (r.wire.equals(wireName)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
