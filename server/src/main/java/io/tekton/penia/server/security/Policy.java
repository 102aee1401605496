package io.tekton.penia.server.security;

import io.tekton.penia.tools.Caller;

/**
 * The role rules of SPEC §9: what a route needs ({@link Need}, declared with the route in
 * {@code rest.Routes}) and whether a caller's role satisfies it. Admin may do everything;
 * viewer reads (GET and the read-only POSTs); component may also check, reserve, record and
 * release. Which component a component key acts for, and which budgets and usage it reads, is
 * checked in the handlers once the body is parsed ({@link Callers}). A write no route declares
 * needs admin: new write routes are closed until someone opens them on purpose.
 */
public final class Policy {
    /** What a route needs. */
    public enum Need {
        /** No key at all: {@code /health}, {@code /ready}, the API description and discovery. */
        PUBLIC,
        /** Any valid key. */
        ANY,
        /** Admin or viewer: views across every component that are not filtered per component. */
        READ_ALL,
        /** Admin or component (for its own component). */
        WRITE,
        /** Admin only. */
        ADMIN,
        /** {@code /mcp} and {@code /ws}: their own gate decides (MCP's request gate, the WebSocket upgrade). */
        OWN_GATE
    }

    /** What a request needs, by method and path (the route table answers it). */
    @FunctionalInterface
    public interface Needs {
        Need need(String method, String path);
    }

    private Policy() {
    }

    /** Whether the caller's role satisfies the need. */
    public static boolean allows(Need need, Caller c) {
        return switch (need) {
            case PUBLIC, ANY, OWN_GATE -> true;
            case READ_ALL -> c.isAdmin() || Caller.VIEWER.equals(c.role());
            case WRITE -> c.isAdmin() || Caller.COMPONENT.equals(c.role());
            case ADMIN -> c.isAdmin();
        };
    }
}
