package io.tekton.penia.tools;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * What clients see of a tool before they call it (MCP {@code tools/list}, the tool registry),
 * checked once when the tool is made.
 *
 * @param name         the tool's name as clients call it
 * @param description  what it does, its answer and an example, for the model that picks it
 * @param inputSchema  the JSON schema of its arguments
 * @param outputSchema the JSON schema of its structured result
 * @param mutates      whether it changes state (for annotations and authorization)
 */
public record ToolDefinition(String name, String description, Map<String, Object> inputSchema,
                             Map<String, Object> outputSchema, boolean mutates) {
    /** MCP's rule for tool names: 1 to 64 letters, digits, '_' or '-'. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public ToolDefinition {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a tool name must be 1 to 64 letters, digits, '_' or '-': " + name);
        }
        if (description == null || description.isBlank() || inputSchema == null || outputSchema == null) {
            throw new IllegalArgumentException(name + ": a tool needs a description and both schemas");
        }
    }
}
