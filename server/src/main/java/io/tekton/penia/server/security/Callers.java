package io.tekton.penia.server.security;

import io.helidon.webserver.http.ServerRequest;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.wire.Args;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The caller of a REST request (put into the request context by {@link SecurityFilter}) and
 * the per-component read rules the handlers apply once they know what a request is about.
 */
public final class Callers {
    /** A private classifier: nothing else can put a caller into the context. */
    private static final Object KEY = new Object();

    private Callers() {
    }

    static void bind(ServerRequest req, Caller caller) {
        req.context().register(KEY, caller);
    }

    /**
     * The authenticated caller of this request. Fails closed: a request that did not pass
     * the security filter has no caller and is refused.
     */
    public static Caller of(ServerRequest req) {
        return req.context().get(KEY, Caller.class).orElseThrow(() -> new PeniaException(ErrorCode.UNAUTHORIZED,
                "no authenticated caller for this request", Map.of()));
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
        if (!Caller.COMPONENT.equals(c.role())) {
            return a;
        }
        Map<String, Object> copy = new LinkedHashMap<>(Args.toMap(a));
        Object requested = copy.get("component");
        if (requested != null && !(requested instanceof String)) {
            return a; // the parser reports the wrong type
        }
        copy.put("component", Access.readScope(c, (String) requested));
        return Args.of(copy);
    }
}
