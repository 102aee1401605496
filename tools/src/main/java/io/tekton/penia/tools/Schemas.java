package io.tekton.penia.tools;

import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.price.TokenCounts;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny builder of JSON Schemas (draft 2020-12 subset) for tool definitions. */
final class Schemas {
    private Schemas() {
    }

    static Map<String, Object> obj(Map<String, Object> properties, List<String> required, boolean closed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "object");
        m.put("properties", properties);
        if (!required.isEmpty()) {
            m.put("required", required);
        }
        if (closed) {
            m.put("additionalProperties", false);
        }
        return m;
    }

    static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, Object> str(String description) {
        return Map.of("type", "string", "description", description, "maxLength", 200);
    }

    static Map<String, Object> enumStr(String description, List<String> values) {
        return Map.of("type", "string", "description", description, "enum", values);
    }

    static Map<String, Object> usd(String description) {
        return Map.of("type", "number", "description", description + " (USD)", "minimum", 0);
    }

    static Map<String, Object> count(String description) {
        return Map.of("type", "integer", "description", description, "minimum", 0);
    }

    static Map<String, Object> percent(String description) {
        return Map.of("type", "integer", "description", description, "minimum", 1, "maximum", 1000);
    }

    static Map<String, Object> bool(String description) {
        return Map.of("type", "boolean", "description", description);
    }

    static Map<String, Object> array(String description, Map<String, Object> items) {
        return Map.of("type", "array", "description", description, "items", items);
    }

    static Map<String, Object> any(String description) {
        return Map.of("description", description);
    }

    /** The error object of the shared envelope, present on failed calls. */
    static Map<String, Object> errorProp() {
        return Map.of("type", "object", "description", "set when the call failed (the result has isError true)",
                "properties", props("code", Map.of("type", "string", "description", "error code, e.g. invalid_argument"),
                        "message", Map.of("type", "string", "description", "what is wrong, for people"),
                        "details", Map.of("type", "object", "description", "e.g. the field at fault")),
                "required", List.of("code", "message"));
    }

    /** A copy of {@code schema} with more keywords ({@code default}, {@code examples}, {@code maximum}, …). */
    static Map<String, Object> with(Map<String, Object> schema, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>(schema);
        m.putAll(props(kv));
        return m;
    }

    /** A string with an example value. */
    static Map<String, Object> str(String description, String example) {
        return with(str(description), "examples", List.of(example));
    }

    /** An RFC 3339 timestamp (a date alone is refused: the server needs the instant). */
    static Map<String, Object> dateTime(String description) {
        return Map.of("type", "string", "format", "date-time", "description", description
                + " (RFC 3339 date-time with offset, e.g. 2026-12-01T00:00:00Z; a plain date is refused)",
                "examples", List.of("2026-12-01T00:00:00Z"));
    }

    /** A calendar day in the server's zone, as the answers write it. */
    static Map<String, Object> date(String description) {
        return Map.of("type", "string", "format", "date", "description", description, "examples",
                List.of("2026-12-01"));
    }

    /** A whole number of tokens of a call, 0 to the most the server accepts. */
    static Map<String, Object> tokens(String description) {
        return Map.of("type", "integer", "description", description + " (tokens)", "minimum", 0,
                "maximum", UsageInput.MAX_TOKENS);
    }

    /** Tokens of a call to estimate in the catalog (recommendations), with the pricer's bound. */
    static Map<String, Object> pricedTokens(String description) {
        return with(tokens(description), "maximum", TokenCounts.MAX_TOKENS);
    }

    /** An amount in USD as answers write it: a decimal number, possibly negative (over a limit). */
    static Map<String, Object> signedUsd(String description) {
        return Map.of("type", "number", "description", description + " (USD)");
    }

    /** A percentage as answers write it (two decimals). */
    static Map<String, Object> pct(String description) {
        return Map.of("type", "number", "description", description + " (percent)");
    }

    /** {@code schema} or JSON null: two single-type branches (a type array is less portable). */
    static Map<String, Object> nullable(Map<String, Object> schema) {
        Map<String, Object> inner = new LinkedHashMap<>(schema);
        Object description = inner.remove("description");
        Map<String, Object> m = new LinkedHashMap<>();
        if (description != null) {
            m.put("description", description + "; null when not applicable");
        }
        m.put("anyOf", List.of(inner, Map.of("type", "null")));
        return m;
    }

    /** An output object: every field typed, open to fields a later version may add. */
    static Map<String, Object> out(String description, Map<String, Object> properties, List<String> required) {
        Map<String, Object> m = obj(properties, required, false);
        m.put("description", description);
        return m;
    }

    /**
     * A tool's output schema: the fields of a success (those in {@code required} always present),
     * or the shared error object alone on a failed call.
     */
    static Map<String, Object> result(Map<String, Object> properties, List<String> required) {
        Map<String, Object> all = new LinkedHashMap<>(properties);
        all.put("error", errorProp());
        Map<String, Object> m = obj(all, List.of(), false);
        m.put("anyOf", List.of(Map.of("required", required), Map.of("required", List.of("error"))));
        return m;
    }

    /** Names from the one list the server checks them against, sorted for the schema. */
    static List<String> sorted(java.util.Collection<String> names) {
        return names.stream().sorted().toList();
    }

    static List<String> periods() {
        return java.util.Arrays.stream(Period.values()).map(Period::wireName).toList();
    }
}
