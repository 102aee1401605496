package io.tekton.penia.tools.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Strict reading of a JSON object from outside: every field has one type, wrong types and
 * unknown fields are errors naming the field, nothing is coerced silently.
 */
public final class Args {
    /** The largest amount accepted from outside: {@link Money}'s one bound. */
    private static final BigDecimal MAX_USD = Money.MAX_USD;
    /** Amounts below half a micro-dollar round to zero. */
    private static final BigDecimal HALF_MICRO_USD = new BigDecimal("0.0000005");
    /** Finest decimal accepted (prices per token need about 10 places). */
    private static final int MAX_DECIMAL_SCALE = 30;

    private static final Instant MIN_INSTANT = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private final ObjectNode node;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    private Args(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    public static Args of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return new Args(Json.mapper().createObjectNode(), "");
        }
        if (!node.isObject()) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object", Map.of());
        }
        return new Args((ObjectNode) node, "");
    }

    public static Args of(Map<String, Object> map) {
        return of(map == null ? (JsonNode) null : (JsonNode) Json.mapper().valueToTree(map));
    }

    /** The raw object as a map (for adapters that rewrite a field before parsing). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(Args a) {
        return Json.mapper().convertValue(a.node, Map.class);
    }

    public boolean has(String f) {
        read.add(f);
        JsonNode v = node.get(f);
        return v != null && !v.isNull();
    }

    private JsonNode get(String f) {
        read.add(f);
        JsonNode v = node.get(f);
        return v == null || v.isNull() ? null : v;
    }

    /**
     * The field's value when it is given and of the type {@code ok} accepts; null when it is
     * absent or null; otherwise the error "must be {@code want}".
     */
    private JsonNode typed(String f, Predicate<JsonNode> ok, String want) {
        JsonNode v = get(f);
        if (v != null && !ok.test(v)) {
            throw wrong(f, want);
        }
        return v;
    }

    private PeniaException wrong(String f, String want) {
        return invalid(f, "must be " + want);
    }

    private PeniaException missing(String f) {
        return invalid(f, "is required");
    }

    /** The one error of a bad field: its path, a colon, what is wrong; the path again in the details. */
    private PeniaException invalid(String f, String says) {
        return new PeniaException(ErrorCode.INVALID_ARGUMENT, prefix + f + ": " + says, Map.of("field", prefix + f));
    }

    private void notNegative(String f, BigDecimal d) {
        if (d.signum() < 0) {
            throw invalid(f, "must not be negative");
        }
    }

    public String str(String f) {
        JsonNode v = typed(f, JsonNode::isTextual, "a string");
        return v == null ? null : storable(f, v.textValue());
    }

    /**
     * The text unchanged if it can be stored and read back exactly: UTF-8 has no encoding for a
     * lone surrogate (SQLite would keep a '?'), and a NUL cuts names short in C-based tools.
     */
    private String storable(String f, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                throw wrong(f, "text without NUL characters");
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw wrong(f, "valid Unicode text (a lone surrogate at index " + i + ")");
            }
        }
        return s;
    }

    public String reqStr(String f) {
        String s = str(f);
        if (s == null) {
            throw missing(f);
        }
        return s;
    }

    public Long nonNegLong(String f) {
        JsonNode v = typed(f, n -> n.isIntegralNumber() || n.isNumber() && n.decimalValue().stripTrailingZeros().scale() <= 0,
                "a whole number");
        if (v == null) {
            return null;
        }
        BigDecimal d = v.decimalValue();
        notNegative(f, d);
        if (d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            throw wrong(f, "a smaller number");
        }
        return d.longValueExact();
    }

    /** A required whole number of at least 0. */
    public long reqNonNegLong(String f) {
        Long v = nonNegLong(f);
        if (v == null) {
            throw missing(f);
        }
        return v;
    }

    public long nonNegLong(String f, long dflt) {
        Long v = nonNegLong(f);
        return v == null ? dflt : v;
    }

    public Integer intRange(String f, int min, int max) {
        Long v = nonNegLong(f);
        if (v == null) {
            return null;
        }
        if (v < min || v > max) {
            throw invalid(f, "must be between " + min + " and " + max);
        }
        return v.intValue();
    }

    /** A non-negative USD amount given as a JSON number. */
    public Money money(String f) {
        BigDecimal d = number(f, "a number (USD)", "at most 1e12 USD");
        if (d == null) {
            return null;
        }
        if (d.compareTo(HALF_MICRO_USD) < 0) {
            return Money.ZERO;
        }
        return Money.ofUsd(d);
    }

    public BigDecimal decimal(String f) {
        BigDecimal d = number(f, "a number", "at most 1e12");
        if (d != null && d.stripTrailingZeros().scale() > MAX_DECIMAL_SCALE) {
            throw wrong(f, "a number with at most " + MAX_DECIMAL_SCALE + " decimal places");
        }
        return d;
    }

    /**
     * A JSON number from 0 to {@link #MAX_USD}, or null when absent; {@code want} and
     * {@code atMost} say what a wrong type and a too large number must be.
     */
    private BigDecimal number(String f, String want, String atMost) {
        JsonNode v = typed(f, JsonNode::isNumber, want);
        if (v == null) {
            return null;
        }
        BigDecimal d = v.decimalValue();
        notNegative(f, d);
        // Compare before any arithmetic: rescaling 1e999999999 or 1e-999999999 to micro-dollars
        // would overflow (a 500) or take unbounded time, and printing it in plain form too;
        // compareTo only looks at the exponents.
        if (d.compareTo(MAX_USD) > 0) {
            throw wrong(f, atMost);
        }
        return d;
    }

    public Boolean bool(String f) {
        JsonNode v = typed(f, JsonNode::isBoolean, "true or false");
        return v == null ? null : v.booleanValue();
    }

    /** A timestamp with a four-digit year (as RFC 3339 has it): years like -999999999 overflow millisecond clocks. */
    public Instant instant(String f) {
        String s = str(f);
        if (s == null) {
            return null;
        }
        Instant i;
        try {
            i = Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                i = java.time.OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                throw wrong(f, "an ISO-8601 timestamp like 2026-11-23T19:00:00Z");
            }
        }
        if (i.isBefore(MIN_INSTANT) || i.isAfter(MAX_INSTANT)) {
            throw wrong(f, "a timestamp in the years 0000 to 9999");
        }
        return i;
    }

    public List<String> strings(String f, int max) {
        JsonNode v = typed(f, n -> n.isTextual() || n.isArray() && n.size() <= max,
                "an array of at most " + max + " strings");
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            return List.of(storable(f, v.textValue()));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw wrong(f, "an array of strings");
            }
            out.add(storable(f, e.textValue()));
        }
        return out;
    }

    public List<Integer> ints(String f, int max, int lo, int hi) {
        JsonNode v = typed(f, n -> n.isArray() && n.size() <= max, "an array of at most " + max + " whole numbers");
        if (v == null) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber() || e.longValue() < lo || e.longValue() > hi) {
                throw wrong(f, "an array of whole numbers between " + lo + " and " + hi);
            }
            out.add(e.intValue());
        }
        return out;
    }

    public Args obj(String f) {
        JsonNode v = typed(f, JsonNode::isObject, "an object");
        return v == null ? null : new Args((ObjectNode) v, prefix + f + ".");
    }

    public List<Args> objs(String f, int max) {
        JsonNode v = typed(f, n -> n.isArray() && n.size() <= max, "an array of at most " + max + " objects");
        if (v == null) {
            return null;
        }
        List<Args> out = new ArrayList<>();
        int i = 0;
        for (JsonNode e : v) {
            if (!e.isObject()) {
                throw wrong(f + "[" + i + "]", "an object");
            }
            out.add(new Args((ObjectNode) e, prefix + f + "[" + i + "]."));
            i++;
        }
        return out;
    }

    /** Fails on any field that was not read: a typo must not be silently ignored. */
    public Args noOthers() {
        var it = node.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!read.contains(f)) {
                throw new PeniaException(ErrorCode.UNKNOWN_FIELD, prefix + f + ": unknown field",
                        Map.of("field", prefix + f));
            }
        }
        return this;
    }
}
