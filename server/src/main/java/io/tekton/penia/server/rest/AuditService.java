package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Policy.Need;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/audit} and {@code GET /audit} (admin only): the audit trail newest first,
 * filtered by {@code target_type} and {@code target_id}, paged by {@code limit} and {@code cursor}.
 */
public record AuditService(Audit audit, Http http) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.ADMIN, this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        int limit = http.limit(req, 100);
        List<Audit.Entry> rows = audit.query(Http.query(req, "target_type"), Http.query(req, "target_id"),
                Http.cursor(req, AuditService::cursor), limit + 1);
        boolean more = rows.size() > limit;
        List<Audit.Entry> page = more ? rows.subList(0, limit) : rows;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.stream().map(Audit.Entry::view).toList());
        body.put("next_cursor", more ? String.valueOf(page.getLast().seq()) : null);
        Http.ok(res, body);
    }

    private static Long cursor(String c) {
        long v = Long.parseLong(c);
        if (v < 1) {
            throw new NumberFormatException();
        }
        return v;
    }
}
