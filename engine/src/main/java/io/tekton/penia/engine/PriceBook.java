package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.price.CostFormula;
import io.tekton.penia.engine.price.ModelPrice;
import io.tekton.penia.engine.price.PriceCatalog;
import io.tekton.penia.engine.price.PriceTier;
import io.tekton.penia.engine.price.TokenCounts;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StoreException;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The shipped catalog with the price versions set through {@code PUT /prices} layered on
 * top. Each cost carries the version it was computed with: {@code catalog:<date>} or
 * {@code v<n>}. A new version takes effect for every cost computed after it is stored.
 */
public final class PriceBook implements Pricer {
    private final LedgerStore store;
    private final CommitQueue writer;
    private volatile PriceCatalog catalog;
    private final Map<String, String> versionOf = new ConcurrentHashMap<>();
    private final String catalogVersion;
    /**
     * (provider, model) exactly as callers send them → the price and its version label.
     * Resolving a name (normalising, alias keys, the version key) was 3 % of a record's CPU in
     * a JFR profile; most calls repeat a few names. Replaced whenever a price changes; only
     * hits are kept, and at most {@link #RESOLVED_MAX} of them (made-up names cannot grow it).
     */
    private volatile Map<Name, Resolved> resolved = new ConcurrentHashMap<>();
    private static final int RESOLVED_MAX = 4_096;

    private record Resolved(ModelPrice price, String version) {
    }

    /** The names exactly as given (a record, so no two different pairs can share a key). */
    private record Name(String provider, String model) {
    }

    /** Over a storage whose writer the engine has started (price versions are written through it). */
    public PriceBook(PriceCatalog base, Storage storage) {
        this.store = storage.ledger();
        this.writer = storage.writer();
        this.catalogVersion = "catalog:" + base.version();
        this.base = base;
        PriceCatalog c = base;
        for (LedgerStore.StoredPrice sp : store.loadPriceVersions()) {
            ModelPrice p = decode(sp.provider(), sp.model(), sp.body());
            c = c.withOverride(p);
            versionOf.put(key(p.provider(), p.model()), "v" + sp.versionId());
        }
        this.catalog = c;
    }

    private final PriceCatalog base;

    /**
     * Reads the stored price versions again (an instance becoming the leader of several, after
     * others may have added some). Labels stay where they were; new ones are added.
     */
    public synchronized void reload() {
        PriceCatalog c = base;
        for (LedgerStore.StoredPrice sp : store.loadPriceVersions()) {
            ModelPrice p = decode(sp.provider(), sp.model(), sp.body());
            c = c.withOverride(p);
            versionOf.put(key(p.provider(), p.model()), "v" + sp.versionId());
        }
        catalog = c;
        resolved = new ConcurrentHashMap<>();
    }

    public PriceCatalog catalog() {
        return catalog;
    }

    private static String key(String provider, String model) {
        return provider.toLowerCase(Locale.ROOT) + "/" + model.toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<Priced> price(String provider, String model, long in, long out, long cached, long cacheWrite,
                                  long reasoning) {
        Map<Name, Resolved> cache = resolved;
        Name k = new Name(provider, model);
        Resolved r = cache.get(k);
        if (r == null) {
            Optional<ModelPrice> found = catalog.resolve(provider, model);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            ModelPrice p = found.get();
            r = new Resolved(p, versionOf.getOrDefault(key(p.provider(), p.model()), catalogVersion));
            if (cache.size() < RESOLVED_MAX) {
                cache.put(k, r);
            }
        }
        return Optional.of(new Priced(Money.ofMicros(CostFormula.costMicros(r.price(),
                new TokenCounts(in, out, cached, cacheWrite, reasoning))), r.version()));
    }

    public Optional<ModelPrice> resolve(String provider, String model) {
        return catalog.resolve(provider, model);
    }

    public String versionOf(ModelPrice p) {
        return versionOf.getOrDefault(key(p.provider(), p.model()), catalogVersion);
    }

    /** Stores a new price version effective now and returns its label. */
    public synchronized String put(ModelPrice p, Instant now) {
        Map<String, Object> body = encode(p);
        long[] id = new long[1];
        try {
            writer.submit(store.insertPriceVersion(p.provider(), p.model(), body, now, id)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("price version not stored: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StoreException("price version not stored: " + e.getMessage(), e);
        }
        catalog = catalog.withOverride(p);
        String label = "v" + id[0];
        versionOf.put(key(p.provider(), p.model()), label);
        // After the catalog and the label: a reader that sees the new map sees both.
        resolved = new ConcurrentHashMap<>();
        return label;
    }

    /** One stored price version: the price, its label ({@code v12}) and when it took effect. */
    public record Version(ModelPrice price, String label, Instant effectiveFrom) {
    }

    /** Every stored version of one model, oldest first. */
    public List<Version> history(String provider, String model) {
        List<Version> out = new ArrayList<>();
        for (LedgerStore.StoredPrice sp : store.loadPriceVersions()) {
            if (sp.provider().equalsIgnoreCase(provider) && sp.model().equalsIgnoreCase(model)) {
                out.add(new Version(decode(sp.provider(), sp.model(), sp.body()),
                        "v" + sp.versionId(), sp.effectiveAt()));
            }
        }
        return out;
    }

    public String catalogVersion() {
        return catalogVersion;
    }

    static Map<String, Object> encode(ModelPrice p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", p.provider());
        m.put("model", p.model());
        m.put("input_per_token", p.inputPerToken().toPlainString());
        m.put("output_per_token", p.outputPerToken().toPlainString());
        m.put("cache_read_per_token", p.cacheReadPerToken() == null ? null : p.cacheReadPerToken().toPlainString());
        m.put("cache_write_per_token", p.cacheWritePerToken() == null ? null : p.cacheWritePerToken().toPlainString());
        m.put("reasoning_per_token", p.reasoningPerToken() == null ? null : p.reasoningPerToken().toPlainString());
        m.put("max_input_tokens", p.maxInputTokens());
        m.put("max_output_tokens", p.maxOutputTokens());
        m.put("capabilities", List.copyOf(p.capabilities()));
        if (!p.tiers().isEmpty()) {
            m.put("tiers", p.tiers().stream().map(PriceBook::encodeTier).toList());
        }
        return m;
    }

    static Map<String, Object> encodeTier(PriceTier t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("above_input_tokens", t.aboveInputTokens());
        putPlain(m, "input_per_token", t.inputPerToken());
        putPlain(m, "output_per_token", t.outputPerToken());
        putPlain(m, "cache_read_per_token", t.cacheReadPerToken());
        putPlain(m, "cache_write_per_token", t.cacheWritePerToken());
        return m;
    }

    private static void putPlain(Map<String, Object> m, String field, BigDecimal v) {
        if (v != null) {
            m.put(field, v.toPlainString());
        }
    }

    @SuppressWarnings("unchecked")
    static ModelPrice decode(String provider, String model, Map<String, Object> m) {
        return new ModelPrice(provider, model, dec(m.get("input_per_token")), dec(m.get("output_per_token")),
                dec(m.get("cache_read_per_token")), dec(m.get("cache_write_per_token")), dec(m.get("reasoning_per_token")),
                m.get("max_input_tokens") == null ? null : ((Number) m.get("max_input_tokens")).longValue(),
                m.get("max_output_tokens") == null ? null : ((Number) m.get("max_output_tokens")).longValue(),
                Set.copyOf((List<String>) m.getOrDefault("capabilities", List.of())), null,
                ((List<Map<String, Object>>) m.getOrDefault("tiers", List.of())).stream()
                        .map(t -> new PriceTier(((Number) t.get("above_input_tokens")).longValue(),
                                dec(t.get("input_per_token")), dec(t.get("output_per_token")),
                                dec(t.get("cache_read_per_token")), dec(t.get("cache_write_per_token")))).toList());
    }

    private static BigDecimal dec(Object o) {
        if (o == null) {
            return null;
        }
        try {
            return new BigDecimal(String.valueOf(o));
        } catch (NumberFormatException e) {
            throw new PeniaException(io.tekton.penia.engine.error.ErrorCode.INTERNAL, "corrupt stored price");
        }
    }
}
