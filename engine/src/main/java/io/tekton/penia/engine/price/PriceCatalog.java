package io.tekton.penia.engine.price;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 *       route prefix stripped ({@code openai/gpt-4o}); an alias of the model at that provider;
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

    /**
     * One price with its lookup keys, computed once: rebuilding the indexes for an override
     * then costs only map insertions.
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

    // Comparators written out rather than composed from lambdas: they run thousands of times
    // while the JVM is still cold, at every start.

    /** The listing order: provider, lower-case model, model. */
    private static final Comparator<Entry> LISTING = (a, b) -> {
        int c = a.provider().compareTo(b.provider());
        if (c == 0) {
            c = a.name().compareTo(b.name());
        }
        return c != 0 ? c : a.price().model().compareTo(b.price().model());
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
    /** Sorted by {@link #LISTING}, one per (provider, lower-case model). */
    private final List<Entry> entries;
    private final List<ModelPrice> all;
    /** provider → lower-case model → price. */
    private final Map<String, Map<String, ModelPrice>> exact;
    /** provider → alias key → best price. */
    private final Map<String, Map<String, ModelPrice>> aliases;
    /** lower-case model → best price at any provider. */
    private final Map<String, ModelPrice> anyExact;
    /** alias key → best price at any provider. */
    private final Map<String, ModelPrice> anyAlias;
    /** family head ({@code vertex_ai}) → member providers, sorted. */
    private final Map<String, List<String>> families;
    private final Set<String> providers;
    private final Set<String> capabilities;

    /** @param sorted unique per pair key and sorted by {@link #LISTING} */
    private PriceCatalog(String source, String version, List<Entry> sorted) {
        if (sorted.size() > MAX_MODELS) {
            throw new IllegalArgumentException("a price catalog holds at most " + MAX_MODELS
                    + " models (got " + sorted.size() + ")");
        }
        this.source = source;
        this.version = version;
        this.entries = List.copyOf(sorted);
        List<ModelPrice> prices = new ArrayList<>(sorted.size());
        Map<String, Map<String, ModelPrice>> exactIndex = new HashMap<>();
        Map<String, Map<String, Entry>> aliasIndex = new HashMap<>();
        Map<String, Entry> anyExactIndex = new HashMap<>(sorted.size() * 2);
        Map<String, Entry> anyAliasIndex = new HashMap<>(sorted.size() * 2);
        Set<String> caps = new TreeSet<>();
        for (Entry e : sorted) {
            prices.add(e.price());
            exactIndex.computeIfAbsent(e.provider(), k -> new HashMap<>()).put(e.name(), e.price());
            keepBest(aliasIndex.computeIfAbsent(e.provider(), k -> new HashMap<>()), e.alias(), e, SAME_ALIAS);
            keepBest(anyExactIndex, e.name(), e, SAME_NAME);
            keepBest(anyAliasIndex, e.alias(), e, SAME_ALIAS);
            caps.addAll(e.price().capabilities());
        }
        Map<String, Map<String, ModelPrice>> aliasPrices = new HashMap<>();
        aliasIndex.forEach((provider, index) -> aliasPrices.put(provider, prices(index)));
        this.all = Collections.unmodifiableList(prices);
        this.exact = exactIndex;
        this.aliases = aliasPrices;
        this.anyExact = prices(anyExactIndex);
        this.anyAlias = prices(anyAliasIndex);
        this.providers = Collections.unmodifiableSet(new TreeSet<>(exactIndex.keySet()));
        this.families = families(this.providers);
        this.capabilities = Collections.unmodifiableSet(caps);
    }

    /**
     * The catalog shipped with Penia ({@value #RESOURCE} on the classpath, about 2,200 models).
     *
     * @throws IllegalStateException when the resource is missing or malformed (a packaging bug)
     */
    public static PriceCatalog loadDefault() {
        try (InputStream in = PriceCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("price catalog resource " + RESOURCE + " is missing next to "
                        + PriceCatalog.class.getName());
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read price catalog " + RESOURCE, e);
        }
    }

    /**
     * A catalog in the format of the shipped one ({@code {source, generated, source_sha256,
     * models:[…]}}); a later entry for the same provider and model wins.
     *
     * @throws IllegalStateException when the document or one of its entries is invalid
     */
    public static PriceCatalog read(InputStream in) throws IOException {
        CatalogReader.Parsed parsed = CatalogReader.read(in);
        return new PriceCatalog(parsed.source(), parsed.version(), entries(parsed.prices()));
    }

    /** A catalog of exactly these prices; a later price for the same provider and model wins. */
    public static PriceCatalog of(Collection<ModelPrice> prices) {
        return new PriceCatalog("custom", "custom", entries(prices));
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
            return Optional.ofNullable(atProvider(Names.provider(provider), name));
        }
        int slash = name.indexOf('/');
        if (slash > 0) {
            String head = Names.provider(name.substring(0, slash));
            if (knowsProvider(head)) {
                ModelPrice routed = atProvider(head, name.substring(slash + 1));
                if (routed != null) {
                    return Optional.of(routed);
                }
            }
        }
        ModelPrice found = anyExact.get(name);
        return Optional.ofNullable(found != null ? found : anyAlias.get(Names.aliasKey(name)));
    }

    /** The price listed for exactly this provider and model (case-insensitive), no aliases. */
    public Optional<ModelPrice> exact(String provider, String model) {
        if (provider == null || model == null) {
            return Optional.empty();
        }
        Map<String, ModelPrice> models = exact.get(provider.strip().toLowerCase(Locale.ROOT));
        return Optional.ofNullable(models == null ? null : models.get(Names.model(model)));
    }

    /**
     * This catalog with {@code price} added, or replacing the entry of the same provider and
     * model (case-insensitive). This catalog is left untouched. Rebuilds the indexes from
     * precomputed keys: linear in the catalog size, about a millisecond for the shipped one.
     */
    public PriceCatalog withOverride(ModelPrice price) {
        return withOverrides(List.of(Objects.requireNonNull(price, "price")));
    }

    /** This catalog with every price of {@code prices} applied in order, as {@link #withOverride}. */
    public PriceCatalog withOverrides(Collection<ModelPrice> prices) {
        if (prices.isEmpty()) {
            return this;
        }
        Map<String, Entry> replacements = new HashMap<>();
        for (ModelPrice price : prices) {
            Entry e = Entry.of(Objects.requireNonNull(price, "price"));
            replacements.put(e.pairKey(), e);
        }
        List<Entry> merged = new ArrayList<>(entries.size() + replacements.size());
        for (Entry e : entries) {
            Entry replacement = replacements.remove(e.pairKey());
            merged.add(replacement != null ? replacement : e);
        }
        if (!replacements.isEmpty()) {
            merged.addAll(replacements.values());
            merged.sort(LISTING);
        }
        return new PriceCatalog(source, version, merged);
    }

    /** Every price, sorted by provider then model. */
    public List<ModelPrice> all() {
        return all;
    }

    /** How many models the catalog holds. */
    public int size() {
        return all.size();
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
        return "PriceCatalog[" + all.size() + " models, version " + version + "]";
    }

    /** Entries for these prices, a later one replacing an earlier one of the same pair, sorted. */
    private static List<Entry> entries(Collection<ModelPrice> prices) {
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
        return sorted;
    }

    private ModelPrice atProvider(String provider, String name) {
        String unrouted = null;
        int slash = name.indexOf('/');
        if (slash > 0) {
            String head = Names.provider(name.substring(0, slash));
            if (head.equals(provider) || Names.inFamily(head, provider) || Names.inFamily(provider, head)) {
                unrouted = name.substring(slash + 1);
            }
        }
        ModelPrice hit = lookup(provider, name, unrouted);
        for (String member : families.getOrDefault(provider, List.of())) {
            if (hit != null) {
                break;
            }
            hit = lookup(member, name, unrouted);
        }
        return hit;
    }

    /** The exact names at one provider first, then their aliases; {@code unrouted} may be null. */
    private ModelPrice lookup(String provider, String name, String unrouted) {
        Map<String, ModelPrice> models = exact.get(provider);
        if (models == null) {
            return null;
        }
        ModelPrice hit = models.get(name);
        if (hit == null && unrouted != null) {
            hit = models.get(unrouted);
        }
        Map<String, ModelPrice> byAlias = aliases.get(provider);
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

    private static void keepBest(Map<String, Entry> index, String key, Entry entry, Comparator<Entry> better) {
        Entry old = index.putIfAbsent(key, entry);
        if (old != null && better.compare(entry, old) < 0) {
            index.put(key, entry);
        }
    }

    private static Map<String, ModelPrice> prices(Map<String, Entry> index) {
        Map<String, ModelPrice> result = new HashMap<>(index.size() * 2);
        index.forEach((key, entry) -> result.put(key, entry.price()));
        return result;
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
}
