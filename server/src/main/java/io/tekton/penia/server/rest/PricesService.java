package io.tekton.penia.server.rest;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.price.ModelPrice;
import io.tekton.penia.server.security.Audit;
import io.tekton.penia.server.security.Callers;
import io.tekton.penia.tools.wire.PriceWire;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code /api/v1/prices}: the catalog, price versions, recommendations. */
public final class PricesService implements HttpService {
    private final BudgetEngine engine;
    private final PriceBook book;
    private final Http http;
    private final Audit audit;

    public PricesService(BudgetEngine engine, PriceBook book, Http http, Audit audit) {
        this.engine = engine;
        this.book = book;
        this.http = http;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/recommend", this::recommend)
                .get("/{provider}/{+model}", this::get)
                .put("/{provider}/{+model}", this::put);
    }

    private void list(ServerRequest req, ServerResponse res) {
        String provider = lower(Http.query(req, "provider"));
        String model = lower(Http.query(req, "model"));
        int limit = http.limit(req, 100);
        List<Map<String, Object>> items = book.catalog().all().stream()
                .filter(p -> provider == null || p.provider().equalsIgnoreCase(provider))
                .filter(p -> model == null || p.model().toLowerCase(Locale.ROOT).contains(model))
                .limit(limit)
                .map(p -> PriceWire.price(p, book.versionOf(p))).toList();
        Http.ok(res, Map.of("items", items, "count", items.size(), "catalog_version", book.catalogVersion()));
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
        Http.ok(res, after);
    }

    private void recommend(ServerRequest req, ServerResponse res) {
        Http.ok(res, PriceWire.recommend(engine, book, Callers.scoped(Callers.of(req), http.args(req))));
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
