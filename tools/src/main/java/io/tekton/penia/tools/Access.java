package io.tekton.penia.tools;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;

import java.util.Map;

/** The role rules of SPEC §9, shared by tools and REST. */
public final class Access {
    private Access() {
    }

    public static void admin(Caller c) {
        if (!c.isAdmin()) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "this needs the admin role", Map.of("role", c.role()));
        }
    }

    /** A component key may act only for its own component; admin for any; viewer never. */
    public static void actFor(Caller c, String component) {
        if (c.isAdmin()) {
            return;
        }
        if (!Caller.COMPONENT.equals(c.role()) || component == null || !component.equals(c.component())) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a " + c.role() + " key may not act for component '"
                    + component + "'", Map.of("role", c.role()));
        }
    }

    /** A component key may read only its own component; admin and viewer read everything. */
    public static String readScope(Caller c, String requestedComponent) {
        if (!Caller.COMPONENT.equals(c.role())) {
            return requestedComponent;
        }
        if (requestedComponent != null && !requestedComponent.equals(c.component())) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a component key may read only its own component",
                    Map.of("role", c.role()));
        }
        return c.component();
    }
}
