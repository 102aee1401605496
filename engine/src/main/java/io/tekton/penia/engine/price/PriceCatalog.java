package io.tekton.penia.engine.price;

import java.io.IOException;
import java.io.InputStream;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable set of model prices with the rules that find the price of a model as
 * callers name it.
 *
 * <p>The shipped catalog ({@link #loadDefault()}) is derived from LiteLLM's public price
 * file by {@code tools-scripts/build-catalog.py} (MIT licence, see NOTICE). The engine
 * layers its own price versions ({@code PUT /prices}) on top with {@link #withOverride},
 * which returns a new catalog and leaves this one untouched: a catalog can be shared by any
 * number of threads and swapped atomically.
 *
 * <p>{@link #resolve} tries, in order, and returns the first hit:
 * <ol>
 *   <li>with a provider: the exact (provider, model) pair; the model with the provider's own
 *       route prefix stripped ({@code openai/gpt-4o}), or with it added when the catalog's id
 *       carries it ({@code auto} at openrouter is {@code openrouter/auto}); an alias of the model at that provider;
 *       then the same at the provider's family ({@code vertex_ai} covers
 *       {@code vertex_ai-anthropic_models}, {@code bedrock} covers {@code bedrock_converse}).
 *       A provider given by the caller is never swapped for another one: the same model sold
 *       by someone else may cost something else;</li>
 *   <li>without a provider: a route prefix naming a known provider ({@code anthropic/claude-opus-4-1})
 *       is used as the provider; else the model name at any provider, the maker's own entry
 *       first (see {@link #isFirstParty}), else an alias of it at any provider.</li>
 * </ol>
 * Aliases: names that differ only by a snapshot suffix ({@code claude-sonnet-4-5-20250929}
 * and {@code claude-sonnet-4-5}; {@code -latest}; {@code @20250929}) or by version dots
 * ({@code claude-sonnet-4.5}) are the same model. Among several, the undated name wins, then
 * a {@code latest} pointer, then the newest snapshot. Matching is case-insensitive and
 * deterministic. An unknown model resolves to {@link Optional#empty()}: the engine records it
 * as unpriced, never as free.
 */
public final class PriceCatalog {
    /** The shipped catalog, next to this class on the classpath. */
    public static final String RESOURCE = "catalog.json";
    /** The most models one catalog may hold. */
    public static final int MAX_MODELS = 100_000;
    /** Above this many overrides at once, rebuilding every index is cheaper than patching. */
    private static final int PATCH_LIMIT = 32;

    /**
     * One price with its lookup keys, computed once. Every ordering below depends only on
     * the (provider, lower-case model) pair, so a new price for a pair takes exactly the place
     * of the old one in every index: that is what makes {@link #withOverride} a patch.
     */
    private record Entry(ModelPrice price, String pairKey, String name, String alias, int aliasFit,
                         int firstPartyRank) {
        static Entry of(ModelPrice price) {
            String name = Names.model(price.model());
            String alias = Names.aliasKey(name);
            return new Entry(price, price.provider() + '\u0000' + name, name, alias, Names.aliasFit(name, alias),
                    Names.firstPartyRank(price.provider()));
        }

        String provider() {
            return price.provider();
        }
    }

    // Comparators written out rather than composed from many lambdas: they run thousands of
    // times while the JVM is still cold, at every start.

    /** The listing order, a total order over pairs: provider, then lower-case model. */
    private static final Comparator<Entry> LISTING = (a, b) -> {
        int c = a.provider().compareTo(b.provider());
        return c != 0 ? c : a.name().compareTo(b.name());
    };
    /** Among entries with the same model name at different providers: the maker first. */
    private static final Comparator<Entry> SAME_NAME = (a, b) -> {
        int c = Integer.compare(a.firstPartyRank(), b.firstPartyRank());
        return c != 0 ? c : a.provider().compareTo(b.provider());
    };
    /** Among entries with the same alias key: the maker, the undated name, the newest snapshot. */
    private static final Comparator<Entry> SAME_ALIAS = (a, b) -> {
        int c = Integer.compare(a.firstPartyRank(), b.firstPartyRank());
        if (c == 0) {
            c = Integer.compare(a.aliasFit(), b.aliasFit());
        }
        if (c == 0) {
            c = b.name().compareTo(a.name());
        }
        return c != 0 ? c : a.provider().compareTo(b.provider());
    };

    private final String source;
    private final String version;
    /** Sorted by {@link #LISTING}, one per pair. */
    private final List<Entry> entries;
    /** provider → lower-case model → entry. */
    private final Map<String, Map<String, Entry>> exact;
    /** provider → alias key → best entry. */
    private final Map<String, Map<String, Entry>> aliases;
    /** lower-case model → best entry at any provider. */
    private final Map<String, Entry> anyExact;
    /** alias key → best entry at any provider. */
    private final Map<String, Entry> anyAlias;
    /** family head ({@code vertex_ai}) → member providers, sorted. */
    private final Map<String, List<String>> families;
    private final Set<String> providers;
    private final Set<String> capabilities;
    private final List<ModelPrice> all;

    private PriceCatalog(String source, String version, List<Entry> entries,
                         Map<String, Map<String, Entry>> exact, Map<String, Map<String, Entry>> aliases,
                         Map<String, Entry> anyExact, Map<String, Entry> anyAlias, Set<String> capabilities) {
        if (entries.size() > MAX_MODELS) {
            throw new IllegalArgumentException("a price catalog holds at most " + MAX_MODELS
                    + " models (got " + entries.size() + ")");
        }
        this.source = source;
        this.version = version;
        this.entries = entries;
        this.exact = exact;
        this.aliases = aliases;
        this.anyExact = anyExact;
        this.anyAlias = anyAlias;
        this.providers = Collections.unmodifiableSet(new TreeSet<>(exact.keySet()));
        this.families = families(providers);
        this.capabilities = Collections.unmodifiableSet(capabilities);
        this.all = new PriceList(entries);
    }

    /**
     * The catalog shipped with Penia ({@value #RESOURCE} on the classpath, about 2,200 models).
     *
     * @throws IllegalStateException when the resource is missing or malformed (a packaging bug)
     */
    public static PriceCatalog loadDefault() {
        return Shipped.read(PriceCatalog.class, RESOURCE, "price catalog", PriceCatalog::read);
    }

    /**
     * A catalog in the format of the shipped one ({@code {source, generated, source_sha256,
     * models:[…]}}); a later entry for the same provider and model wins.
     *
     * @throws IllegalStateException when the document or one of its entries is invalid
     */
    public static PriceCatalog read(InputStream in) throws IOException {
        CatalogReader.Parsed parsed = CatalogReader.read(in);
        return build(parsed.source(), parsed.version(), parsed.prices());
    }

    /** A catalog of exactly these prices; a later price for the same provider and model wins. */
    public static PriceCatalog of(Collection<ModelPrice> prices) {
        return build("custom", "custom", prices);
    }

    /** A catalog without any price: every model resolves to empty. */
    public static PriceCatalog empty() {
        return of(List.of());
    }

    /**
     * The price of a model as a caller names it; see the class comment for the rules.
     *
     * @param provider the billing provider, or {@code null} to let the catalog choose
     * @param model    the model name, possibly with a route prefix or a snapshot suffix
     * @return the price, or empty when the model is unknown (or the name is blank)
     */
    public Optional<ModelPrice> resolve(String provider, String model) {
        if (model == null || model.isBlank() || model.length() > ModelPrice.MAX_NAME_CHARS) {
            return Optional.empty();
        }
        String name = Names.model(model);
        if (provider != null && !provider.isBlank()) {
            return price(atProvider(Names.provider(provider), name));
        }
        int slash = name.indexOf('/');
        if (slash > 0) {
            String head = Names.provider(name.substring(0, slash));
            if (knowsProvider(head)) {
                Entry routed = atProvider(head, name.substring(slash + 1));
                if (routed != null) {
                    return price(routed);
                }
            }
        }
        Entry found = anyExact.get(name);
        return price(found != null ? found : anyAlias.get(Names.aliasKey(name)));
    }

    /** The price listed for exactly this provider and model (case-insensitive), no aliases. */
    public Optional<ModelPrice> exact(String provider, String model) {
        if (provider == null || model == null) {
            return Optional.empty();
        }
        Map<String, Entry> models = exact.get(provider.strip().toLowerCase(Locale.ROOT));
        return price(models == null ? null : models.get(Names.model(model)));
    }

    /**
     * This catalog with {@code price} added, or replacing the entry of the same provider and
     * model (case-insensitive); this catalog is left untouched. A patch: the indexes are
     * copied shallowly and only the keys of this price are updated, about ten times cheaper
     * than a rebuild (under a millisecond for the shipped catalog once the JVM is warm).
     */
    public PriceCatalog withOverride(ModelPrice price) {
        return patch(Entry.of(Objects.requireNonNull(price, "price")));
    }

    /** This catalog with every price of {@code prices} applied in order, as {@link #withOverride}. */
    public PriceCatalog withOverrides(Collection<ModelPrice> prices) {
        if (prices.size() > PATCH_LIMIT) {
            List<ModelPrice> merged = new ArrayList<>(all.size() + prices.size());
            merged.addAll(all);
            merged.addAll(prices);
            return build(source, version, merged);
        }
        PriceCatalog result = this;
        for (ModelPrice price : prices) {
            result = result.withOverride(price);
        }
        return result;
    }

    /** Every price, sorted by provider then model. */
    public List<ModelPrice> all() {
        return all;
    }

    /** How many models the catalog holds. */
    public int size() {
        return entries.size();
    }

    /**
     * The position in {@link #all()} just after the pair ({@code provider}, {@code model}) in
     * listing order, whether or not the pair is listed: where a page that ended there goes on.
     */
    public int indexAfter(String provider, String model) {
        String name = Names.model(model);
        int lo = 0;
        int hi = entries.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = entries.get(mid);
            int c = e.provider().compareTo(provider);
            if ((c != 0 ? c : e.name().compareTo(name)) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Every provider with at least one price, sorted. */
    public Set<String> providers() {
        return providers;
    }

    /** Every capability some model lists, sorted. */
    public Set<String> capabilities() {
        return capabilities;
    }

    /** Where the base prices come from (the catalog header's {@code source}), or {@code custom}. */
    public String source() {
        return source;
    }

    /**
     * A short identifier of the base prices, e.g. {@code litellm-2026-11-23-d367a97d5e53}
     * (the generation date and the digest of the source file), or {@code custom}. Overrides
     * keep it: it names the base the engine's own price versions are layered on.
     */
    public String version() {
        return version;
    }

    /**
     * Whether a provider sells its own models ({@code openai}, {@code anthropic},
     * {@code gemini}, {@code mistral}, ...) rather than reselling or hosting others'.
     */
    public static boolean isFirstParty(String provider) {
        return provider != null && Names.isFirstParty(provider.strip().toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "PriceCatalog[" + entries.size() + " models, version " + version + "]";
    }

    /** Every index built from scratch; a later price for the same pair replaces an earlier one. */
    private static PriceCatalog build(String source, String version, Collection<ModelPrice> prices) {
        if (prices.size() > MAX_MODELS) {
            throw new IllegalArgumentException("a price catalog holds at most " + MAX_MODELS
                    + " models (got " + prices.size() + ")");
        }
        Map<String, Entry> unique = new HashMap<>(prices.size() * 2);
        for (ModelPrice price : prices) {
            Entry e = Entry.of(Objects.requireNonNull(price, "price"));
            unique.put(e.pairKey(), e);
        }
        List<Entry> sorted = new ArrayList<>(unique.values());
        sorted.sort(LISTING);
        Map<String, Map<String, Entry>> exact = new HashMap<>();
        Map<String, Map<String, Entry>> aliases = new HashMap<>();
        Map<String, Entry> anyExact = new HashMap<>(sorted.size() * 2);
        Map<String, Entry> anyAlias = new HashMap<>(sorted.size() * 2);
        Set<String> capabilities = new TreeSet<>();
        for (Entry e : sorted) {
            exact.computeIfAbsent(e.provider(), k -> new HashMap<>()).put(e.name(), e);
            offer(aliases.computeIfAbsent(e.provider(), k -> new HashMap<>()), e.alias(), e, SAME_ALIAS);
            offer(anyExact, e.name(), e, SAME_NAME);
            offer(anyAlias, e.alias(), e, SAME_ALIAS);
            capabilities.addAll(e.price().capabilities());
        }
        return new PriceCatalog(source, version, Collections.unmodifiableList(sorted), exact, aliases, anyExact,
                anyAlias, capabilities);
    }

    /** This catalog with one entry added or replaced; the maps are copied, never changed. */
    private PriceCatalog patch(Entry e) {
        List<Entry> patched = new ArrayList<>(entries);
        int at = Collections.binarySearch(patched, e, LISTING);
        Entry replaced = at >= 0 ? patched.set(at, e) : null;
        if (at < 0) {
            patched.add(-at - 1, e);
        }
        Map<String, Map<String, Entry>> patchedExact = new HashMap<>(exact);
        Map<String, Entry> models = new HashMap<>(exact.getOrDefault(e.provider(), Map.of()));
        models.put(e.name(), e);
        patchedExact.put(e.provider(), models);
        Map<String, Map<String, Entry>> patchedAliases = new HashMap<>(aliases);
        Map<String, Entry> byAlias = new HashMap<>(aliases.getOrDefault(e.provider(), Map.of()));
        offer(byAlias, e.alias(), e, SAME_ALIAS);
        patchedAliases.put(e.provider(), byAlias);
        Map<String, Entry> patchedAnyExact = new HashMap<>(anyExact);
        offer(patchedAnyExact, e.name(), e, SAME_NAME);
        Map<String, Entry> patchedAnyAlias = new HashMap<>(anyAlias);
        offer(patchedAnyAlias, e.alias(), e, SAME_ALIAS);
        Set<String> patchedCapabilities = new TreeSet<>(capabilities);
        patchedCapabilities.addAll(e.price().capabilities());
        if (replaced != null && !e.price().capabilities().containsAll(replaced.price().capabilities())) {
            // The replaced entry may have been the last to list a capability: count again.
            patchedCapabilities.clear();
            patched.forEach(entry -> patchedCapabilities.addAll(entry.price().capabilities()));
        }
        return new PriceCatalog(source, version, Collections.unmodifiableList(patched), patchedExact,
                patchedAliases, patchedAnyExact, patchedAnyAlias, patchedCapabilities);
    }

    /**
     * Keeps the better of the entry already under {@code key} and {@code entry}. An entry for
     * the same pair always takes the old one's place: it ranks exactly where the old one did.
     */
    private static void offer(Map<String, Entry> index, String key, Entry entry, Comparator<Entry> better) {
        Entry old = index.get(key);
        if (old == null || old.pairKey().equals(entry.pairKey()) || better.compare(entry, old) < 0) {
            index.put(key, entry);
        }
    }

    private Entry atProvider(String provider, String name) {
        String unrouted = null;
        int slash = name.indexOf('/');
        if (slash > 0) {
            String head = Names.provider(name.substring(0, slash));
            if (head.equals(provider) || Names.inFamily(head, provider) || Names.inFamily(provider, head)) {
                unrouted = name.substring(slash + 1);
            }
        }
        Entry hit = lookup(provider, name, unrouted);
        for (String member : families.getOrDefault(provider, List.of())) {
            if (hit != null) {
                break;
            }
            hit = lookup(member, name, unrouted);
        }
        return hit;
    }

    /** The exact names at one provider first, then their aliases; {@code unrouted} may be null. */
    private Entry lookup(String provider, String name, String unrouted) {
        Map<String, Entry> models = exact.get(provider);
        if (models == null) {
            return null;
        }
        Entry hit = models.get(name);
        if (hit == null && unrouted != null) {
            hit = models.get(unrouted);
        }
        if (hit == null && unrouted == null) {
            // The canonical form of openrouter + "openrouter/auto" is "auto" (CanonicalNames):
            // a catalog id that starts with its own provider's name is found without it too.
            hit = models.get(provider + '/' + name);
        }
        Map<String, Entry> byAlias = aliases.get(provider);
        if (hit == null) {
            hit = byAlias.get(Names.aliasKey(name));
        }
        if (hit == null && unrouted != null) {
            hit = byAlias.get(Names.aliasKey(unrouted));
        }
        return hit;
    }

    private boolean knowsProvider(String provider) {
        return exact.containsKey(provider) || families.containsKey(provider);
    }

    private static Optional<ModelPrice> price(Entry entry) {
        return entry == null ? Optional.empty() : Optional.of(entry.price());
    }

    /** Every prefix of a provider name that ends before a '-' or '_' names a family. */
    private static Map<String, List<String>> families(Set<String> sortedProviders) {
        Map<String, List<String>> result = new HashMap<>();
        for (String provider : sortedProviders) {
            for (int i = 1; i < provider.length() - 1; i++) {
                char c = provider.charAt(i);
                if (c == '-' || c == '_') {
                    result.computeIfAbsent(provider.substring(0, i), k -> new ArrayList<>()).add(provider);
                }
            }
        }
        result.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(result);
    }

    /** The prices of the entries, as an unmodifiable view (no copy per catalog version). */
    private static final class PriceList extends AbstractList<ModelPrice> implements RandomAccess {
        private final List<Entry> entries;

        PriceList(List<Entry> entries) {
            this.entries = entries;
        }

        @Override
        public ModelPrice get(int index) {
            return entries.get(index).price();
        }

        @Override
        public int size() {
            return entries.size();
        }
    }
}
