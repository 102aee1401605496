package io.tekton.penia.server.security;

import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.server.mcp.McpRequestGate;
import io.tekton.penia.server.ws.WsGate;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.McpBinding;

import java.util.Map;
import java.util.Optional;

/**
 * SPEC §9 for one server: the key store, the guard (authentication and rate limits) and the
 * audit trail, and what the server plugs them into: the REST filter, the MCP request gate, the
 * WebSocket gate and the audited tools.
 */
public record PeniaSecurity(BudgetEngine engine, KeyStore keys, Guard guard, Audit audit) {
    /** Loads the keys; the admin key and the rate limits come from {@code cfg}. */
    public static PeniaSecurity create(PeniaConfig.Security cfg, BudgetEngine engine, Storage storage) {
        var clock = engine.config().clock();
        KeyStore keys = KeyStore.open(storage, clock);
        Guard guard = new Guard(new Authenticator(cfg.adminKey(), keys), new RateLimiter(cfg.requestsPerSecond(),
                cfg.burst()));
        return new PeniaSecurity(engine, keys, guard, new Audit(storage, clock));
    }

    /** True without an admin key: everyone is the local admin (loopback only). */
    public boolean open() {
        return guard.open();
    }

    /** The REST filter: authentication, rate limit, role rules; the caller into the request context. */
    public Filter filter(Policy.Needs needs) {
        return new SecurityFilter(guard, needs);
    }

    /** The {@code /mcp} gate: the same guard; the caller goes to the tools under {@link McpBinding#CALLER_KEY}. */
    public McpRequestGate mcpGate() {
        return req -> switch (guard.admit(Authenticator.presentedKey(req.headers()),
                SecurityFilter.remote(req.remotePeer().address()))) {
            case Guard.Refused r -> new McpRequestGate.Reject(r.error().code().httpStatus(), r.json(), r.headers());
            case Guard.Admitted a -> McpRequestGate.allow(Map.of(McpBinding.CALLER_KEY, a.caller()));
        };
    }

    /**
     * The {@code /ws} gate: the browser rules of {@code browser} ({@code Host}, {@code Origin}),
     * then the same guard. The hub then sends a component key only events of its own component
     * and of global budgets (the rule of REST reads).
     */
    public WsGate wsGate(BrowserPolicy browser) {
        return new WsGate() {
            @Override
            public Outcome admit(String key) {
                return switch (guard.admit(key, null)) {
                    case Guard.Refused r -> new WsGate.Refuse(r.error());
                    case Guard.Admitted a -> new WsGate.Admit(a.caller());
                };
            }

            @Override
            public Optional<PeniaException> checkUpgrade(Headers h) {
                return browser.hostOrOrigin(h);
            }
        };
    }

    /** The tools with {@code set_alerts} writing its change to the audit trail. */
    public BudgetTools audited(BudgetTools tools) {
        return tools.map(t -> AuditedTool.wrap(t, engine, audit));
    }
}
