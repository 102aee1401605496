package io.tekton.penia.tools;

/**
 * Who calls a tool: a role and, for the component role, the component it acts for.
 * {@link #LOCAL_ADMIN} is the stdio user and the open (no admin key) mode.
 */
public record Caller(String keyId, String role, String component) {
    public static final String ADMIN = "admin";
    public static final String COMPONENT = "component";
    public static final String VIEWER = "viewer";
    public static final Caller LOCAL_ADMIN = new Caller("local", ADMIN, null);

    public boolean isAdmin() {
        return ADMIN.equals(role);
    }

    public boolean canWrite() {
        return !VIEWER.equals(role);
    }
}
