package io.tekton.penia.engine.price;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Penia knows of a model's quality beyond the price catalog: its identity across
 * resellers and regions, its line and generation, and a coarse quality tier for chat and for
 * code, from the shipped table {@value #RESOURCE} (its header says where the judgement comes
 * from). Immutable; {@link #shipped()} is read once.
 *
 * <p>Names are compared in a {@linkplain #normalise normalised} form, so that
 * {@code bedrock_converse/eu.anthropic.claude-sonnet-4-5-20250929-v1:0},
 * {@code openrouter/anthropic/claude-sonnet-4.5} and {@code anthropic/claude-sonnet-4-5} are
 * one model.
 */
public final class ModelQuality {
    /** The shipped table, next to this class on the classpath. */
    public static final String RESOURCE = "quality-tiers.txt";
    /** The highest tier (frontier); 1 is the lowest. */
    public static final int MAX_TIER = 6;
    /** The most entries one table may hold. */
    public static final int MAX_ENTRIES = 1_000;

    private static final String[] TIER_NAMES = {"", "basic", "small", "mid", "good", "strong", "frontier"};
    private static final Pattern DOTTED_PREFIX = Pattern.compile("^(?:[a-z]+(?:-[a-z]+)*\\.)*([a-z]+)\\.(?=[a-z])");
    private static final Pattern BARE_VERSION = Pattern.compile("^[vr]\\d.*");
    private static final Pattern FIREWORKS_DOT = Pattern.compile("(?<=\\d)p(?=\\d)");
    private static final Pattern LLAMA = Pattern.compile("(^|-)(?:meta-)?llama-?v?(?=\\d)");
    private static final Pattern NOISE = Pattern.compile(
            "-instruct(?=-|$)|-(?:it|hf|maas|fp8(?:-fast|-dynamic)?|v1)$");

    /**
     * One row of the table.
     *
     * @param id       the model's identity
     * @param line     the model line, or {@code null}
     * @param gen      the generation within the line, or {@code null}
     * @param chatTier tier for chat and general tasks, 1 to {@link #MAX_TIER}
     * @param codeTier tier for code, 1 to {@link #MAX_TIER}
     */
    public record Entry(String id, String line, BigDecimal gen, int chatTier, int codeTier) {
        /** The tier for a task: the code tier for code, the chat tier for everything else. */
        public int tier(boolean code) {
            return code ? codeTier : chatTier;
        }

        /** Whether this is an older generation of {@code other}'s line. */
        public boolean olderThan(Entry other) {
            return line != null && line.equals(other.line) && gen != null && other.gen != null
                    && gen.compareTo(other.gen) < 0;
        }
    }

    private record Row(Entry entry, Pattern pattern) {
    }

    private static final ModelQuality SHIPPED = load();

    /** A model's identity and its entry ({@code null} when the table lacks it). */
    private record Lookup(String identity, Entry entry) {
    }

    /** The most names {@link #memo} holds: more than the shipped catalog and its overrides. */
    private static final int MAX_MEMO = 50_000;

    private final List<Row> rows;
    /**
     * Lookups already made, by lower-case name: a lookup is a pure function of the name and
     * costs a regex per row, and a recommendation looks up every model of the catalog.
     */
    private final ConcurrentHashMap<String, Lookup> memo = new ConcurrentHashMap<>();

    private ModelQuality(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /** The shipped table. */
    public static ModelQuality shipped() {
        return SHIPPED;
    }

    /** The name of a tier ({@code 6} → {@code frontier}). */
    public static String tierName(int tier) {
        return tier >= 1 && tier <= MAX_TIER ? TIER_NAMES[tier] : "unknown";
    }

    /** The table's entry for a catalog model name, if it has one. */
    public Optional<Entry> of(String model) {
        return Optional.ofNullable(lookup(model).entry());
    }

    /** The model's identity: the table's id when it knows the model, else the normalised name. */
    public String identity(String model) {
        return lookup(model).identity();
    }

    private Lookup lookup(String model) {
        String key = model.strip().toLowerCase(Locale.ROOT);
        Lookup known = memo.get(key);
        if (known != null) {
            return known;
        }
        String name = normalise(key);
        Lookup found = new Lookup(name, null);
        for (Row row : rows) {
            if (row.pattern().matcher(name).matches()) {
                found = new Lookup(row.entry().id(), row.entry());
                break;
            }
        }
        if (memo.size() < MAX_MEMO) {
            memo.put(key, found);
        }
        return found;
    }

    /**
     * The comparable form of a model name: lower-case; route prefixes ({@code anthropic/},
     * {@code accounts/fireworks/models/}), region and vendor prefixes ({@code eu.anthropic.}),
     * version suffixes ({@code -v1:0}, {@code @001}, {@code -20250929}, {@code -latest}) and
     * packaging words ({@code -instruct}, {@code -fp8}) removed; version dots and fireworks'
     * {@code 3p3} as hyphens; {@code llama3}, {@code llama-v3}, {@code meta-llama-3} as
     * {@code llama-3}.
     */
    public static String normalise(String model) {
        String m = model.strip().toLowerCase(Locale.ROOT);
        m = m.substring(m.lastIndexOf('/') + 1);
        int colon = m.indexOf(':');
        if (colon > 0) {
            // Bedrock's "-v2:1" is a version of the listing, not of the model.
            m = m.substring(0, colon).replaceFirst("-v\\d+$", "");
        }
        int at = m.indexOf('@');
        if (at > 0 && !m.substring(at + 1).chars().allMatch(Character::isDigit)) {
            m = m.substring(0, at);
        }
        Matcher prefix = DOTTED_PREFIX.matcher(m);
        if (prefix.find()) {
            String rest = m.substring(prefix.end());
            // bedrock's "deepseek.v3.2": the vendor is part of the name.
            m = BARE_VERSION.matcher(rest).matches() ? prefix.group(1) + "-" + rest : rest;
        }
        m = m.replace('_', '-');
        m = FIREWORKS_DOT.matcher(m).replaceAll("-");
        for (String host : List.of("databricks-", "snowflake-", "anthropic-")) {
            if (m.startsWith(host) && m.length() > host.length()) {
                m = m.substring(host.length());
            }
        }
        m = LLAMA.matcher(m).replaceAll("$1llama-");
        for (String before = ""; !before.equals(m); ) {
            before = m;
            m = Names.aliasKey(NOISE.matcher(m).replaceAll(""));
        }
        return m;
    }

    private static ModelQuality load() {
        return Shipped.read(ModelQuality.class, RESOURCE, "quality table", ModelQuality::read);
    }

    /**
     * A table in the shipped format; see the header of {@value #RESOURCE}.
     *
     * @throws IllegalStateException naming the line of the first malformed row
     */
    public static ModelQuality read(InputStream in) throws IOException {
        List<Row> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNo = 0;
        for (String text = reader.readLine(); text != null; text = reader.readLine()) {
            lineNo++;
            String line = text.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                if (f.length != 6) {
                    throw new IllegalArgumentException("expected 6 columns, got " + f.length);
                }
                Entry e = new Entry(f[0], f[1].equals("-") ? null : f[1],
                        f[2].equals("-") ? null : new BigDecimal(f[2]), tier(f[3]), tier(f[4]));
                if (!ids.add(e.id())) {
                    throw new IllegalArgumentException("duplicate id " + e.id());
                }
                rows.add(new Row(e, Pattern.compile(f[5].equals("=") ? Pattern.quote(f[0]) : f[5])));
            } catch (IllegalArgumentException ex) { // PatternSyntaxException and NumberFormatException too
                throw new IllegalStateException(RESOURCE + " line " + lineNo + ": " + ex.getMessage(), ex);
            }
            if (rows.size() > MAX_ENTRIES) {
                throw new IllegalStateException(RESOURCE + " holds more than " + MAX_ENTRIES + " entries");
            }
        }
        return new ModelQuality(rows);
    }

    private static int tier(String s) {
        int t = Integer.parseInt(s);
        if (t < 1 || t > MAX_TIER) {
            throw new IllegalArgumentException("tier must be 1 to " + MAX_TIER + " (got " + t + ")");
        }
        return t;
    }
}
