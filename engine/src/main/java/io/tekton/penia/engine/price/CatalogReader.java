package io.tekton.penia.engine.price;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.PeniaException;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the catalog format written by {@code tools-scripts/build-catalog.py}:
 * {@code {"source":…, "generated":…, "source_sha256":…, "models":[{…}, …]}}.
 *
 * <p>A streaming parser rather than a tree: the catalog is read at every start and the
 * tree of 2,000 entries costs several times the parse. Prices are decimal strings, read
 * straight into {@link BigDecimal} so that no value passes through a binary float. Unknown
 * fields are skipped, so the converter may add fields without breaking older engines.
 */
final class CatalogReader {
    record Parsed(String source, String version, List<ModelPrice> prices) {
    }

    /** Immutable once built; same limits as the rest of Penia's JSON. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Json.MAX_DEPTH)
                    .maxStringLength(Json.MAX_STRING_CHARS)
                    .maxNumberLength(64)
                    .build())
            .build();

    /** The fields of one entry while it is being read. */
    private static final class Fields {
        String key = "?";
        String provider;
        String model;
        BigDecimal input;
        BigDecimal output;
        BigDecimal cacheRead;
        BigDecimal cacheWrite;
        BigDecimal reasoning;
        Long maxInput;
        Long maxOutput;
        Set<String> capabilities = Set.of();
        String deprecation;
        List<PriceTier> tiers = List.of();
    }

    /**
     * Values many entries share: ~2,000 models use a few hundred distinct prices and
     * capability lists, and parsing each once halves the cold load time.
     */
    private static final class Shared {
        final Map<String, BigDecimal> decimals = new HashMap<>();
        final Map<List<String>, Set<String>> capabilities = new HashMap<>();
    }

    private CatalogReader() {
    }

    static Parsed read(InputStream in) throws IOException {
        String source = "unknown";
        String generated = "";
        String digest = "";
        List<ModelPrice> prices = null;
        try (JsonParser p = FACTORY.createParser(in)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "the catalog");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "source" -> source = p.getValueAsString(source);
                    case "generated" -> generated = p.getValueAsString(generated);
                    case "source_sha256" -> digest = p.getValueAsString(digest);
                    case "models" -> prices = models(p, value);
                    default -> p.skipChildren();
                }
            }
        }
        if (prices == null) {
            throw new IllegalStateException("price catalog: no \"models\" array");
        }
        return new Parsed(source, version(generated, digest), prices);
    }

    /** {@code litellm-<generated>-<first 12 hex digits of the source digest>}, or what is known of it. */
    private static String version(String generated, String digest) {
        StringBuilder version = new StringBuilder("litellm");
        if (!generated.isEmpty()) {
            version.append('-').append(generated);
        }
        if (!digest.isEmpty()) {
            version.append('-').append(digest, 0, Math.min(12, digest.length()));
        }
        return version.toString();
    }

    private static List<ModelPrice> models(JsonParser p, JsonToken start) throws IOException {
        expect(p, start, JsonToken.START_ARRAY, "\"models\"");
        List<ModelPrice> prices = new ArrayList<>(4096);
        Shared shared = new Shared();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (prices.size() >= PriceCatalog.MAX_MODELS) {
                throw new IllegalStateException("price catalog: more than " + PriceCatalog.MAX_MODELS + " models");
            }
            expect(p, p.currentToken(), JsonToken.START_OBJECT, "model entry #" + prices.size());
            Fields f = fields(p, shared);
            try {
                prices.add(new ModelPrice(f.provider, f.model, f.input, f.output, f.cacheRead, f.cacheWrite,
                        f.reasoning, f.maxInput, f.maxOutput, f.capabilities,
                        f.deprecation == null ? null : isoDate(f.deprecation), f.tiers));
            } catch (PeniaException | DateTimeException e) {
                throw new IllegalStateException("price catalog entry #" + prices.size() + " (" + f.key + "): "
                        + e.getMessage(), e);
            }
        }
        return prices;
    }

    private static Fields fields(JsonParser p, Shared shared) throws IOException {
        Fields f = new Fields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "key" -> f.key = p.getText();
                case "provider" -> f.provider = p.getText();
                case "model" -> f.model = p.getText();
                case "input_per_token" -> f.input = decimal(p, field, shared);
                case "output_per_token" -> f.output = decimal(p, field, shared);
                case "cache_read_per_token" -> f.cacheRead = decimal(p, field, shared);
                case "cache_write_per_token" -> f.cacheWrite = decimal(p, field, shared);
                case "reasoning_per_token" -> f.reasoning = decimal(p, field, shared);
                case "max_input_tokens" -> f.maxInput = whole(p, field);
                case "max_output_tokens" -> f.maxOutput = whole(p, field);
                case "capabilities" -> f.capabilities = strings(p, field, shared);
                case "deprecation_date" -> f.deprecation = p.getText();
                case "tiers" -> f.tiers = tiers(p, shared);
                default -> p.skipChildren();
            }
        }
        return f;
    }

    /**
     * A {@code YYYY-MM-DD} date. Written out because {@link LocalDate#parse} brings up the
     * whole formatter machinery, a noticeable share of a cold start for 90 dates.
     */
    private static LocalDate isoDate(String text) {
        if (text.length() != 10 || text.charAt(4) != '-' || text.charAt(7) != '-') {
            throw new DateTimeException("deprecation_date: not YYYY-MM-DD: '" + text + "'");
        }
        return LocalDate.of(number(text, 0, 4), number(text, 5, 7), number(text, 8, 10));
    }

    private static int number(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new DateTimeException("deprecation_date: not YYYY-MM-DD: '" + text + "'");
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static BigDecimal decimal(JsonParser p, String field, Shared shared) throws IOException {
        try {
            return switch (p.currentToken()) {
                case VALUE_STRING -> {
                    String text = p.getText();
                    BigDecimal value = shared.decimals.get(text);
                    if (value == null) {
                        value = new BigDecimal(text);
                        shared.decimals.put(text, value);
                    }
                    yield value;
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDecimalValue();
                default -> throw new IllegalStateException(field + ": not a decimal at " + p.currentLocation());
            };
        } catch (NumberFormatException e) {
            throw new IllegalStateException(field + ": not a decimal: '" + p.getText() + "'", e);
        }
    }

    /** {@code [{above_input_tokens, input_per_token?, output_per_token?, cache_read_per_token?, cache_write_per_token?}]} */
    private static List<PriceTier> tiers(JsonParser p, Shared shared) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_ARRAY, "tiers");
        List<PriceTier> tiers = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Long above = null;
            BigDecimal in = null;
            BigDecimal out = null;
            BigDecimal read = null;
            BigDecimal write = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "above_input_tokens" -> above = whole(p, "tiers." + field);
                    case "input_per_token" -> in = decimal(p, field, shared);
                    case "output_per_token" -> out = decimal(p, field, shared);
                    case "cache_read_per_token" -> read = decimal(p, field, shared);
                    case "cache_write_per_token" -> write = decimal(p, field, shared);
                    default -> p.skipChildren();
                }
            }
            if (above == null) {
                throw new IllegalStateException("tiers: above_input_tokens missing at " + p.currentLocation());
            }
            tiers.add(new PriceTier(above, in, out, read, write));
        }
        expect(p, p.currentToken(), JsonToken.END_ARRAY, "tiers");
        return tiers;
    }

    private static Long whole(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalStateException(field + ": not a whole number at " + p.currentLocation());
        }
        return p.getLongValue();
    }

    private static Set<String> strings(JsonParser p, String field, Shared shared) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_ARRAY, field);
        List<String> values = new ArrayList<>();
        while (p.nextToken() == JsonToken.VALUE_STRING) {
            values.add(p.getText());
        }
        expect(p, p.currentToken(), JsonToken.END_ARRAY, field);
        Set<String> set = shared.capabilities.get(values);
        if (set == null) {
            set = Set.copyOf(values);
            shared.capabilities.put(values, set);
        }
        return set;
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new IllegalStateException("price catalog: expected " + expected + " for " + what + ", got "
                    + actual + " at " + p.currentLocation());
        }
    }
}
