package io.tekton.penia.hermes;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small JSON helpers: deep immutable copies of JSON-shaped maps, and lenient field reads. */
final class Json {

    // Guards against cyclic or absurdly deep structures handed in as metadata or schemas.
    private static final int MAX_DEPTH = 32;

    private Json() {
    }

    /** True if {@code value} serialises as plain JSON (null, string, number, boolean, map, list, JsonNode). */
    static boolean isJsonable(Object value) {
        return isJsonable(value, 0);
    }

    private static boolean isJsonable(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        return switch (value) {
            case null -> true;
            case String s -> true;
            case Number n -> true;
            case Boolean b -> true;
            case JsonNode n -> true;
            case Map<?, ?> m -> m.entrySet().stream()
                    .allMatch(e -> e.getKey() instanceof String && isJsonable(e.getValue(), depth + 1));
            case Collection<?> c -> c.stream().allMatch(v -> isJsonable(v, depth + 1));
            default -> false;
        };
    }

    /** A deep, order-preserving, unmodifiable copy; nulls are kept (JSON null). Caller checked {@link #isJsonable}. */
    static Map<String, Object> immutableMap(Map<String, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, immutableValue(v)));
        return Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object immutableValue(Object value) {
        return switch (value) {
            case Map<?, ?> m -> immutableMap((Map<String, ?>) m);
            case Collection<?> c -> {
                List<Object> list = new ArrayList<>(c.size());
                c.forEach(v -> list.add(immutableValue(v)));
                yield Collections.unmodifiableList(list);
            }
            case JsonNode n -> n.deepCopy();
            case null, default -> value;
        };
    }

    /**
     * The first non-blank text among {@code names} in {@code node}, or null. Hermes' FastAPI
     * models serialise with camelCase aliases ({@code componentId}, {@code toolId}) while SPEC
     * and older Hermes builds use snake_case, so callers ask for both.
     */
    static String text(JsonNode node, String... names) {
        if (node == null) {
            return null;
        }
        for (String name : names) {
            JsonNode field = node.get(name);
            if (field != null && field.isTextual() && !field.asText().isBlank()) {
                return field.asText();
            }
        }
        return null;
    }
}
