package io.tekton.penia.server.security;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.Caller;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Every HTTP request but {@code /mcp} (which has its own gate with the same {@link Guard}):
 * public routes pass; others are authenticated, rate limited and checked against
 * {@link Policy} before any handler (or body read) runs, so a refused request changes
 * nothing. The caller is then bound to the request's thread for {@link Callers#of}.
 */
public final class SecurityFilter implements Filter {
    private final Guard guard;
    private final Policy.Needs needs;

    public SecurityFilter(Guard guard, Policy.Needs needs) {
        this.guard = guard;
        this.needs = needs;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        Policy.Need need = needs.need(req.prologue().method().text(), path);
        // /ws: Helidon 4.5 routes a WebSocket upgrade through the HTTP filters first; its key (also
        // ?api_key=, which browsers need) is checked by the WebSocket gate at the upgrade.
        if (need == Policy.Need.OWN_GATE) {
            chain.proceed();
            return;
        }
        // A preflight never carries a key; BrowserPolicy vetted its origin, Helidon's CORS answers it.
        if (need == Policy.Need.PUBLIC || BrowserPolicy.isPreflight(req.prologue().method().text(), req.headers())) {
            chain.proceed();
            return;
        }
        switch (guard.admit(Authenticator.presentedKey(req.headers()), remote(req.remotePeer().address()))) {
            case Guard.Refused r -> refuse(res, r.error(), r.headers());
            case Guard.Admitted a -> {
                Caller c = a.caller();
                if (!Policy.allows(need, c)) {
                    refuse(res, new PeniaException(ErrorCode.FORBIDDEN, "a " + c.role() + " key may not "
                            + req.prologue().method().text() + " " + path, Map.of("role", c.role().wireName(),
                            "needs", need.name().toLowerCase(java.util.Locale.ROOT))), Map.of());
                    return;
                }
                Callers.runAs(c, chain::proceed);
            }
        }
    }

    static String remote(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
        }
        return a == null ? null : a.toString();
    }

    private static void refuse(RoutingResponse res, PeniaException e, Map<String, String> headers) {
        headers.forEach(res::header);
        res.status(Status.create(e.code().httpStatus()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(new Guard.Refused(e, Map.of()).json().getBytes(StandardCharsets.UTF_8));
    }
}
