package io.tekton.penia.hermes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One MCP tool as advertised to Hermes' tool registry ({@code POST /api/mcp/v2/tools}).
 *
 * <p>{@code name} is the MCP tool name without prefix; Hermes sees {@code penia_<name>}
 * ({@link HermesConfig#hermesToolName}) and the endpoint
 * {@code {endpoint}/api/tools/<name>/execute} ({@link HermesConfig#toolEndpoint}).
 *
 * @param name        MCP tool name, e.g. {@code get_usage_summary}
 * @param description what the tool does
 * @param schema      the tool's JSON input schema (deep-copied, unmodifiable)
 * @param tags        Hermes tags, may be empty
 * @param metadata    extra Hermes metadata, may be empty
 */
public record HermesTool(
        String name,
        String description,
        Map<String, Object> schema,
        List<String> tags,
        Map<String, Object> metadata) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    static final int MAX_TAGS = 32;

    /** Validates; throws {@link IllegalArgumentException} listing every bad field. */
    public HermesTool {
        List<String> bad = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            bad.add("name must match " + NAME.pattern() + " (got " + (name == null ? "null" : "'" + name + "'") + ")");
        }
        if (description == null || description.isBlank()) {
            bad.add("description must not be blank");
        }
        if (schema == null || !Json.isJsonable(schema)) {
            bad.add("schema must be a JSON object");
        } else if (!"object".equals(schema.get("type"))) {
            bad.add("schema.type must be \"object\" (got " + schema.get("type") + ")");
        }
        if (tags == null || tags.size() > MAX_TAGS || tags.stream().anyMatch(t -> t == null || t.isBlank())) {
            bad.add("tags must be at most " + MAX_TAGS + " non-blank strings");
        }
        if (metadata == null || !Json.isJsonable(metadata)) {
            bad.add("metadata must be a JSON object");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("Invalid Hermes tool " + name + ": " + String.join("; ", bad));
        }
        schema = Json.immutableMap(schema);
        tags = List.copyOf(tags);
        metadata = Json.immutableMap(metadata);
    }

    /** A tool with no tags and no extra metadata. */
    public static HermesTool of(String name, String description, Map<String, Object> schema) {
        return new HermesTool(name, description, schema, List.of(), Map.of());
    }
}
