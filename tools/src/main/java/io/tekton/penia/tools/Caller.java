package io.tekton.penia.tools;

/**
 * Who calls a tool: a role and, for the component role, the component it acts for.
 * {@link #LOCAL_ADMIN} is the stdio user and the open (no admin key) mode.
 */
public record Caller(String keyId, Role role, String component) {
    public static final Role ADMIN = Role.ADMIN;
    public static final Role COMPONENT = Role.COMPONENT;
    public static final Role VIEWER = Role.VIEWER;
    public static final Caller LOCAL_ADMIN = new Caller("local", ADMIN, null);

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean canWrite() {
        return role != Role.VIEWER;
    }
}
