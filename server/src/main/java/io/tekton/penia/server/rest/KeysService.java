package io.tekton.penia.server.rest;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.security.ApiKey;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.server.security.KeyStore;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.server.security.Policy.Need;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/keys} (admin only, by the security filter): create a key (its secret is in
 * that response and nowhere else, ever), list keys without secrets, revoke a key at once.
 */
public record KeysService(KeyStore keys, Audit audit, Http http) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.ADMIN, this::list)
                .post("/", Need.ADMIN, this::create)
                .get("/{key_id}", Need.ADMIN, this::get)
                .delete("/{key_id}", Need.ADMIN, this::revoke)
                .post("/{key_id}/revoke", Need.ADMIN, this::revoke);
    }

    private void list(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> items = keys.list().stream().map(ApiKey::view).toList();
        Http.ok(res, Map.of("items", items, "count", items.size()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Args a = http.args(req);
        String name = a.reqStr("name");
        String role = a.reqStr("role");
        String component = a.str("component");
        a.noOthers();
        KeyStore.Created c = keys.create(name, role, component);
        audit.record(Callers.of(req), "api_key.create", "api_key", c.key().keyId(), null, c.key().view());
        io.tekton.penia.server.EventLog.log(System.Logger.Level.INFO, "api key created: " + c.key().keyId()
                + " name \"" + c.key().name() + "\" role " + c.key().role()
                + (c.key().component() == null ? "" : " component " + c.key().component()));
        Map<String, Object> body = new LinkedHashMap<>(c.key().view());
        body.put("secret", c.secret());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Http.send(res, 201, body);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = Http.param(req, "key_id");
        Http.ok(res, keys.find(id).orElseThrow(() -> PeniaException.notFound("api_key", id)).view());
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        KeyStore.Revoked r = keys.revoke(Http.param(req, "key_id"));
        if (r.changed()) {
            audit.record(Callers.of(req), "api_key.revoke", "api_key", r.after().keyId(), r.before().view(),
                    r.after().view());
            io.tekton.penia.server.EventLog.log(System.Logger.Level.INFO, "api key revoked: " + r.after().keyId()
                    + " name \"" + r.after().name() + "\" role " + r.after().role());
        }
        Http.ok(res, r.after().view());
    }
}
