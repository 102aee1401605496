package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.price.ModelPrice;
import io.tekton.penia.engine.price.PriceCatalog;
import io.tekton.penia.server.EventLog;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.wire.PriceWire;
import io.tekton.penia.server.security.Policy.Need;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** {@code /api/v1/prices}: the catalog, price versions, recommendations. */
public record PricesService(BudgetEngine engine, PriceBook book, Http http, Audit audit) implements Routes.Service {
    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.ANY, this::list)
                .post("/recommend", Need.ANY, this::recommend)
                .get("/{provider}/{+model}", Need.ANY, this::get)
                .put("/{provider}/{+model}", Need.ADMIN, this::put);
    }

    /**
     * One page of the catalog in listing order (provider, then model): {@code count} items on
     * this page, {@code total} models matching the filters, {@code next_cursor} while more follow.
     * The cursor names the last pair listed (not a position), so a price added between pages
     * neither repeats an item already listed nor shifts one past the next page.
     */
    private void list(ServerRequest req, ServerResponse res) {
        String provider = lower(Http.query(req, "provider"));
        String model = lower(Http.query(req, "model"));
        int limit = http.limit(req, 100);
        String[] after = Http.cursor(req, PricesService::cursor);
        PriceCatalog catalog = book.catalog();
        List<ModelPrice> all = catalog.all();
        Predicate<ModelPrice> matches = p -> (provider == null || p.provider().equalsIgnoreCase(provider))
                && (model == null || p.model().toLowerCase(Locale.ROOT).contains(model));
        int from = after == null ? 0 : catalog.indexAfter(after[0], after[1]);
        List<ModelPrice> page = new ArrayList<>();
        boolean more = false;
        for (int i = from; i < all.size(); i++) {
            if (matches.test(all.get(i))) {
                if (page.size() == limit) {
                    more = true;
                    break;
                }
                page.add(all.get(i));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.stream().map(p -> PriceWire.price(p, book.versionOf(p))).toList());
        body.put("count", page.size());
        body.put("total", all.stream().filter(matches).count());
        body.put("next_cursor", more ? encode(page.getLast()) : null);
        body.put("catalog_version", book.catalogVersion());
        Http.ok(res, body);
    }

    private static String encode(ModelPrice last) {
        return Http.encodeCursor("p" + last.provider() + "\n" + last.model());
    }

    /** The (provider, model) a cursor names; names hold no control characters, so '\n' separates them. */
    private static String[] cursor(String c) {
        String s = Http.decodeCursor(c);
        int nl = s.indexOf('\n');
        if (!s.startsWith("p") || nl < 2 || nl == s.length() - 1) {
            throw new IllegalArgumentException();
        }
        return new String[] {s.substring(1, nl), s.substring(nl + 1)};
    }

    private void get(ServerRequest req, ServerResponse res) {
        String provider = Http.param(req, "provider");
        String model = Http.param(req, "model");
        ModelPrice p = book.resolve(provider, model)
                .orElseThrow(() -> PeniaException.notFound("price", provider + "/" + model));
        Map<String, Object> body = new LinkedHashMap<>(PriceWire.price(p, book.versionOf(p)));
        body.put("history", book.history(p.provider(), p.model()).stream().map(v -> {
            Map<String, Object> m = new LinkedHashMap<>(PriceWire.price(v.price(), v.label()));
            m.put("effective_from", v.effectiveFrom().toString());
            return m;
        }).toList());
        Http.ok(res, body);
    }

    private void put(ServerRequest req, ServerResponse res) {
        String provider = Http.param(req, "provider");
        String model = Http.param(req, "model");
        if (!provider.matches("[A-Za-z0-9_.-]{1,100}") || model.isBlank() || model.length() > 200) {
            throw PeniaException.invalid("provider", "provider must be 1-100 of [A-Za-z0-9_.-]; model 1-200 characters");
        }
        ModelPrice p = PriceWire.newPrice(book, provider, model, http.args(req));
        Map<String, Object> before = book.resolve(provider, model).map(o -> PriceWire.price(o, book.versionOf(o)))
                .orElse(null);
        String version = book.put(p, engine.now());
        Map<String, Object> after = PriceWire.price(p, version);
        audit.record(Callers.of(req), "price.update", "price", p.provider() + "/" + p.model(), before, after);
        EventLog.log(System.Logger.Level.INFO, "price changed: " + p.provider() + "/" + p.model()
                + " version " + version + ": input per token " + (before == null ? "(new)" : EventLog.plain(before.get("input_per_token")))
                + " -> " + EventLog.plain(after.get("input_per_token")) + ", output per token "
                + (before == null ? "(new)" : EventLog.plain(before.get("output_per_token"))) + " -> "
                + EventLog.plain(after.get("output_per_token")));
        Http.ok(res, after);
    }

    private void recommend(ServerRequest req, ServerResponse res) {
        Http.ok(res, PriceWire.recommend(engine, book, Callers.scoped(Callers.of(req), http.args(req))));
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
