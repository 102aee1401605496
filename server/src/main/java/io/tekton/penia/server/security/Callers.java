package io.tekton.penia.server.security;

import io.helidon.webserver.http.ServerRequest;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.wire.Args;

import java.util.Map;

/**
 * The caller of a REST request (bound to the request's thread by {@link SecurityFilter}) and
 * the per-component read rules the handlers apply once they know what a request is about.
 */
public final class Callers {
    /**
     * The caller of the request this thread is handling, bound by {@link SecurityFilter} around
     * the rest of the filter chain and the handler (Helidon runs both on the request's own
     * virtual thread). A thread-local rather than Helidon's request context: creating that
     * context and registering in it was 1.8 % of a record's CPU samples.
     */
    private static final ThreadLocal<Caller> CURRENT = new ThreadLocal<>();

    private Callers() {
    }

    /** Runs {@code handling} with {@code caller} as the caller of this thread's request; unbinds after. */
    static void runAs(Caller caller, Runnable handling) {
        Caller outer = CURRENT.get();
        CURRENT.set(caller);
        try {
            handling.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * The authenticated caller of this request. Fails closed: a request that did not pass
     * the security filter (or code running outside its thread) has no caller and is refused.
     */
    public static Caller of(ServerRequest req) {
        Caller c = CURRENT.get();
        if (c == null) {
            throw new PeniaException(ErrorCode.UNAUTHORIZED, "no authenticated caller for this request", Map.of());
        }
        return c;
    }

    /** Refuses a component key a budget of another component. */
    public static void checkSees(Caller c, Budget b) {
        if (!Access.sees(c, b)) {
            throw new PeniaException(ErrorCode.FORBIDDEN, "a component key may read only its own component's budgets",
                    Map.of("budget_id", b.budgetId()));
        }
    }

    /**
     * Arguments of a read narrowed to the caller's own component: a component key asking for
     * another component is refused, one asking for none gets its own.
     */
    public static Args scoped(Caller c, Args a) {
        return Access.scoped(c, a);
    }
}
