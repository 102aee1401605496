package io.tekton.penia.tools;

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
        return Map.of("type", "object", "description", "set when the call failed: {code, message, details}");
    }
}
