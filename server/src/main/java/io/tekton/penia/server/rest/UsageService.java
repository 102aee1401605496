package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.wire.Reports;
import io.tekton.penia.tools.wire.Streamed;
import io.tekton.penia.tools.wire.Wire;
import io.tekton.penia.server.security.Policy.Need;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/usage}: record (durable before the answer), page the ledger, summarize. */
public record UsageService(BudgetEngine engine, LedgerStore ledger, Http http) implements Routes.Service {
    /** Most entries of {@code top_usage}. */
    private static final int TOP_USAGE = 10;

    @Override
    public void routes(Routes.Rules rules) {
        rules.post("/record", Need.WRITE, this::record)
                .get("/records", Need.ANY, this::records)
                .get("/export", Need.ANY, this::export)
                .post("/summary", Need.ANY, this::summary);
    }

    private void record(ServerRequest req, ServerResponse res) {
        UsageInput in = Wire.usage(http.args(req));
        RecordResult r = Access.record(engine, Callers.of(req), in);
        Http.send(res, r.created() ? 201 : 200, Streamed.recordResult(r));
    }

    private void records(ServerRequest req, ServerResponse res) {
        LedgerStore.UsageFilter f = filter(req);
        if (f == null) {
            // The filters exclude the budget's scope: an empty last page (next_cursor null, as on every last page).
            Map<String, Object> empty = new LinkedHashMap<>();
            empty.put("items", List.of());
            empty.put("next_cursor", null);
            empty.put("top_usage", List.of());
            Http.ok(res, empty);
            return;
        }
        int limit = http.limit(req, 100);
        Long before = Http.cursor(req, UsageService::cursor);
        List<UsageRecord> rows = ledger.queryUsage(f, before, limit + 1);
        boolean more = rows.size() > limit;
        List<UsageRecord> page = more ? rows.subList(0, limit) : rows;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.stream().map(Streamed::record).toList());
        body.put("next_cursor", more ? encode(page.getLast().seq()) : null);
        if (before == null) {
            // The models that cost most over the same filters (Tekton's budget panel shows them); first page only.
            body.put("top_usage", Reports.topUsage(engine, f.component(), f.provider(), f.model(), f.start(), f.end(),
                    TOP_USAGE));
        }
        Http.ok(res, body);
    }

    /**
     * The filters of {@code /records} and {@code /export} (component narrowed for a component
     * key, a budget's scope filled in); null when they exclude the budget's scope (no rows).
     */
    private LedgerStore.UsageFilter filter(ServerRequest req) {
        String component = Access.readScope(Callers.of(req), Http.query(req, "component"));
        String provider = CanonicalNames.provider(Http.query(req, "provider"));
        String model = CanonicalNames.model(provider, Http.query(req, "model"));
        String taskType = UsageInput.scopeTaskType("task_type", Http.query(req, "task_type"));
        String budgetId = Http.query(req, "budget_id");
        if (budgetId != null) {
            Budget b = engine.budget(budgetId).orElseThrow(() -> PeniaException.notFound("budget", budgetId));
            if (component != null && b.scope().component() != null && !component.equals(b.scope().component())
                    || provider != null && b.scope().provider() != null && !provider.equals(b.scope().provider())
                    || model != null && b.scope().model() != null && !model.equals(b.scope().model())
                    || taskType != null && b.scope().taskType() != null && !taskType.equals(b.scope().taskType())) {
                return null;
            }
            component = component != null ? component : b.scope().component();
            provider = provider != null ? provider : b.scope().provider();
            model = model != null ? model : b.scope().model();
            taskType = taskType != null ? taskType : b.scope().taskType();
        }
        return new LedgerStore.UsageFilter(component, provider, model, taskType, time(req, "start"), time(req, "end"));
    }

    /**
     * The ledger rows of the {@code /records} filters, newest first, as CSV or JSON Lines,
     * streamed page by page: memory stays constant however many rows match.
     */
    private void export(ServerRequest req, ServerResponse res) {
        String format = Http.query(req, "format");
        format = format == null ? "csv" : format;
        if (!format.equals("csv") && !format.equals("jsonl")) {
            throw PeniaException.invalid("format", "must be csv or jsonl");
        }
        LedgerStore.UsageFilter f = filter(req);
        Long before = Http.cursor(req, UsageService::cursor);
        boolean csv = format.equals("csv");
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
        res.header(io.helidon.http.HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"penia-usage." + format + "\"");
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(res.outputStream(), 1 << 16)) {
            if (csv) {
                UsageExport.csvHeader(out);
            }
            while (f != null) {
                List<UsageRecord> page = ledger.queryUsage(f, before, UsageExport.PAGE);
                for (UsageRecord r : page) {
                    if (csv) {
                        UsageExport.csvRow(out, r);
                    } else {
                        out.write(Streamed.record(r).json());
                        out.write('\n');
                    }
                }
                if (page.size() < UsageExport.PAGE) {
                    break;
                }
                before = page.getLast().seq();
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // The client went away mid-download: nothing more to send.
        }
    }

    private void summary(ServerRequest req, ServerResponse res) {
        Http.ok(res, Reports.usageSummary(engine, Callers.scoped(Callers.of(req), http.args(req))));
    }

    private static Instant time(ServerRequest req, String name) {
        String s = Http.query(req, name);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw PeniaException.invalid(name, "must be an ISO-8601 timestamp like 2026-11-23T19:00:00Z");
        }
    }

    private static String encode(long seq) {
        return Http.encodeCursor("s" + seq);
    }

    private static Long cursor(String c) {
        String s = Http.decodeCursor(c);
        if (!s.startsWith("s")) {
            throw new IllegalArgumentException();
        }
        return Long.parseLong(s.substring(1));
    }
}
