package io.tekton.penia.server.security;

import io.tekton.penia.tools.Caller;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The role rules of SPEC §9 by HTTP method and path, checked before a handler runs. Admin may
 * do everything; viewer reads (GET and the read-only POSTs); component may also check, reserve,
 * record and release. Which component a component key acts for, and which budgets and usage
 * it reads, is checked in the handlers once the body is parsed ({@link Callers}). Anything not
 * listed here needs admin: new write routes are closed until someone opens them on purpose.
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
        ADMIN
    }

    /** Probes and self-descriptions that Tekton's launcher and components ask without a key. */
    private static final Set<String> PUBLIC_GET = Set.of("/health", "/openapi.yaml", "/ready", "/api/v1/discovery");
    private static final List<String> ADMIN_PREFIXES = List.of("/api/v1/keys", "/api/v1/audit", "/audit",
            "/api/v1/admin");
    private static final Pattern REPEATED_SLASHES = Pattern.compile("/{2,}");
    private static final Set<String> READ_POSTS = Set.of("/api/v1/usage/summary", "/api/v1/prices/recommend",
            "/api/v1/budget-alerts/initialize");
    private static final Set<String> WRITE_POSTS = Set.of("/api/v1/usage/record",
            "/api/v1/budget-alerts/unified/check-operation");

    private Policy() {
    }

    /** What {@code method path} needs. */
    public static Need need(String method, String path) {
        // Compared the way routing would see it: repeated and trailing slashes do not open a door.
        // (On every request: no regex and no string building unless the path has "//".)
        String p = path.contains("//") ? REPEATED_SLASHES.matcher(path).replaceAll("/") : path;
        p = p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        for (String a : ADMIN_PREFIXES) {
            if (p.startsWith(a) && (p.length() == a.length() || p.charAt(a.length()) == '/')) {
                return Need.ADMIN;
            }
        }
        switch (method) {
            case "GET", "HEAD", "OPTIONS" -> {
                // And the dashboard's files: the page asks for a key and sends it with each API call.
                if (PUBLIC_GET.contains(p) || p.equals("/") || p.startsWith("/ui/")) {
                    return Need.PUBLIC;
                }
                if (p.equals("/api/v1/budget-alerts/unified/status") || p.equals("/api/v1/budget-alerts/status")
                        || p.equals("/api/v1/budget-alerts/alerts/history") || p.equals("/api/v1/assistant/context")
                        || p.startsWith("/api/v1/alerts/") && p.endsWith("/deliveries")) {
                    return Need.READ_ALL;
                }
                return Need.ANY;
            }
            case "POST" -> {
                if (READ_POSTS.contains(p) || p.startsWith("/api/tools/") && p.endsWith("/execute")) {
                    // Each tool checks the caller's role itself (set_alerts admin, check and record per component).
                    return Need.ANY;
                }
                if (WRITE_POSTS.contains(p) || p.startsWith("/api/v1/reservations/") && p.endsWith("/release")) {
                    return Need.WRITE;
                }
                return Need.ADMIN;
            }
            default -> {
                return Need.ADMIN;
            }
        }
    }

    /** Whether the caller's role satisfies the need. */
    public static boolean allows(Need need, Caller c) {
        return switch (need) {
            case PUBLIC, ANY -> true;
            case READ_ALL -> c.isAdmin() || Caller.VIEWER.equals(c.role());
            case WRITE -> c.isAdmin() || Caller.COMPONENT.equals(c.role());
            case ADMIN -> c.isAdmin();
        };
    }
}
