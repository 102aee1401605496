package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.server.security.Policy.Need;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code /api/v1/admin} (admin only, by the security policy): an online backup of the database
 * into the backup directory, and a run of retention and vacuum now.
 */
public record AdminService(Function<String, Map<String, Object>> backup, Supplier<Map<String, Object>> retention,
                           Audit audit, Http http) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.post("/backup", Need.ADMIN, this::backup)
                .post("/retention", Need.ADMIN, this::retention);
    }

    private void backup(ServerRequest req, ServerResponse res) {
        Args a = http.args(req);
        String file = a.str("file");
        a.noOthers();
        Http.send(res, 201, backup.apply(file));
    }

    private void retention(ServerRequest req, ServerResponse res) {
        http.args(req).noOthers();
        Map<String, Object> r = retention.get();
        if (r.get("rows_archived") instanceof Long n && n > 0) {
            audit.record(Callers.of(req), "ledger.archive", "ledger", null, null, r);
        }
        Http.ok(res, r);
    }
}
