package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.tools.wire.Args;

import java.util.LinkedHashMap;
import java.util.Map;

/** The role rules of SPEC §9, shared by tools and REST. */
public final class Access {
    private Access() {
    }

    public static void admin(Caller c) {
        if (!c.isAdmin()) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "this needs the admin role",
                    Map.of("role", c.role().wireName()));
        }
    }

    /** A component key may act only for its own component; admin for any; viewer never. */
    public static void actFor(Caller c, String component) {
        if (c.isAdmin()) {
            return;
        }
        if (!Caller.COMPONENT.equals(c.role()) || component == null || !component.equals(c.component())) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a " + c.role() + " key may not act for component '"
                    + component + "'", Map.of("role", c.role().wireName()));
        }
    }

    /** A component key may read only its own component; admin and viewer read everything. */
    public static String readScope(Caller c, String requestedComponent) {
        if (!Caller.COMPONENT.equals(c.role())) {
            return requestedComponent;
        }
        if (requestedComponent != null && !requestedComponent.equals(c.component())) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a component key may read only its own component",
                    Map.of("role", c.role().wireName()));
        }
        return c.component();
    }

    /**
     * Arguments of a read narrowed to the caller's own component (REST summary and recommend,
     * MCP and {@code /api/tools}): a component key asking for another component is refused, one
     * asking for none gets its own; other roles' arguments pass unchanged.
     */
    public static Args scoped(Caller c, Args a) {
        if (!Caller.COMPONENT.equals(c.role())) {
            return a;
        }
        Map<String, Object> copy = new LinkedHashMap<>(Args.toMap(a));
        Object requested = copy.get("component");
        if (requested != null && !(requested instanceof String)) {
            return a; // the parser reports the wrong type
        }
        copy.put("component", readScope(c, (String) requested));
        return Args.of(copy);
    }

    /**
     * The one rule for breakdowns: the component whose usage this caller sees in any breakdown
     * or listing of usage (by component, model, provider, day), even of a budget it shares with
     * other components (global, per provider); {@code null} for every component (admin, viewer).
     * A budget's own counters (spent, reserved, remaining) are the budget's state and stay whole.
     */
    public static String usageOf(Caller c) {
        return readsAll(c) ? null : c.component();
    }

    /** Whether the caller sees channel URLs in full (their path or query is often the credential): admin only. */
    public static boolean seesChannelSecrets(Caller c) {
        return c.isAdmin();
    }

    /** Admin and viewer keys read everything; a component key only what is its own or global. */
    public static boolean readsAll(Caller c) {
        return !Caller.COMPONENT.equals(c.role());
    }

    /** Whether the caller may read what belongs to this component ({@code null}: to none, i.e. global). */
    public static boolean reads(Caller c, String component) {
        return readsAll(c) || component == null || component.equals(c.component());
    }

    /** A component key sees budgets of its own component and global ones; other roles see all. */
    public static boolean sees(Caller c, Budget b) {
        return reads(c, b.scope().component());
    }

    /** A component key may use (settle, release) only its own component's holds. */
    public static void ownsHold(Caller c, Reservation r) {
        if (Caller.COMPONENT.equals(c.role()) && !r.component().equals(c.component())) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a component key may use only its own component's holds",
                    Map.of("reservation_id", r.reservationId()));
        }
    }

    /**
     * Records usage for the caller, with the same rules over REST and MCP: the component is the
     * caller's own (or the caller is admin), a hold it settles is its own, and a replayed
     * request_id of another component is refused rather than shown.
     */
    public static RecordResult record(BudgetEngine engine, Caller caller, UsageInput in) {
        actFor(caller, in.component());
        if (in.reservationId() != null) {
            engine.reservation(in.reservationId()).ifPresent(h -> ownsHold(caller, h));
        }
        RecordResult r;
        try {
            r = engine.record(in);
        } catch (PeniaException e) {
            if (e.code() == ErrorCode.CONFLICT && Caller.COMPONENT.equals(caller.role())
                    && e.details().get("fields") instanceof java.util.List<?> fields && fields.contains("component")) {
                // Which other fields differ would let a component probe another's record: say only whose it is.
                throw new PeniaException(ErrorCode.CONFLICT, "request_id was already used by another component",
                        Map.of("field", "request_id", "fields", java.util.List.of("component")));
            }
            throw e;
        }
        if (!r.created() && Caller.COMPONENT.equals(caller.role()) && !caller.component().equals(r.record().component())) {
            // A replay of another component's request_id wrote nothing; its record is not this key's to see.
            throw new PeniaException(ErrorCode.CONFLICT, "request_id was already used by another component",
                    Map.of("field", "request_id"));
        }
        return r;
    }
}
