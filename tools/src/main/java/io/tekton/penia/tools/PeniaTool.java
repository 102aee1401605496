package io.tekton.penia.tools;

import io.tekton.penia.tools.wire.Args;

import java.util.Map;

/**
 * One budget tool: its definition (name, description, input and output JSON schemas) and its
 * handler over the engine. The same tool serves MCP (HTTP and stdio) and Hermes' tool
 * registry through {@code POST /api/tools/{tool}/execute}.
 */
public interface PeniaTool {
    /** What clients see of the tool before they call it. */
    ToolDefinition definition();

    default String name() {
        return definition().name();
    }

    default String description() {
        return definition().description();
    }

    default Map<String, Object> inputSchema() {
        return definition().inputSchema();
    }

    default Map<String, Object> outputSchema() {
        return definition().outputSchema();
    }

    /** Runs the tool; throws {@link io.tekton.penia.engine.error.PeniaException} for expected failures. */
    Map<String, Object> call(Args args, Caller caller);

    /** Whether the tool changes state (for annotations and authorization). */
    default boolean mutates() {
        return definition().mutates();
    }

    /** A one-line human rendering of a result, for the text content beside structured content. */
    String summarize(Map<String, Object> result);

    /** The sentence for a result of the call with these arguments (some say what was asked). */
    default String summarize(Map<String, Object> arguments, Map<String, Object> result) {
        return summarize(result);
    }

    /** Title and behaviour hints (MCP tool annotations). */
    default ToolHints hints() {
        return mutates() ? ToolHints.writes(name(), false, false) : ToolHints.reads(name());
    }
}
