package io.tekton.penia.server.mcp;

import java.util.Map;
import java.util.Objects;

import io.helidon.webserver.http.ServerRequest;
import io.modelcontextprotocol.common.McpTransportContext;

/**
 * Admits or refuses each HTTP request to the MCP endpoint before the MCP layer sees it.
 *
 * <p>The transport asks the gate about every {@code POST}, {@code GET} and {@code DELETE},
 * after the origin check and before the body is read. An {@link Allow} carries a
 * {@link McpTransportContext}; its values reach every MCP handler of that request through
 * {@code exchange.transportContext()} (the caller's API key role, for instance). A
 * {@link Reject} is answered as it is: its status, its JSON body, its extra headers (such
 * as {@code Retry-After} or {@code WWW-Authenticate}).
 *
 * <p>The gate runs on the request's own thread and may block briefly (a key lookup); it
 * must not read the request body. An exception thrown by the gate is answered with a 500
 * that says nothing internal.
 */
@FunctionalInterface
public interface McpRequestGate {

    /**
     * Decides whether a request may reach MCP.
     *
     * @param request the HTTP request, headers only (the body is still unread)
     * @return allow with the context for the handlers, or reject with the answer to send
     */
    Decision check(ServerRequest request);

    /** The default gate: every request is admitted with an empty context. */
    static McpRequestGate allowAll() {
        return request -> Allow.EMPTY;
    }

    /** Admits a request; {@code values} become the handlers' transport context. */
    static Decision allow(Map<String, Object> values) {
        return new Allow(McpTransportContext.create(Map.copyOf(values)));
    }

    /** Refuses a request with this status (400..599) and JSON body. */
    static Decision reject(int httpStatus, String jsonBody) {
        return new Reject(httpStatus, jsonBody, Map.of());
    }

    /** What the gate decided; switch on it exhaustively. */
    sealed interface Decision permits Allow, Reject {
    }

    /**
     * The request may proceed; {@code context} is handed to the MCP handlers.
     *
     * @param context the values the handlers see, never null
     */
    record Allow(McpTransportContext context) implements Decision {
        /** Admission with an empty context. */
        public static final Allow EMPTY = new Allow(McpTransportContext.EMPTY);

        public Allow {
            Objects.requireNonNull(context, "context");
        }
    }

    /**
     * The request is refused and answered with exactly this.
     *
     * @param httpStatus an HTTP error status, 400..599
     * @param jsonBody   the response body, sent as {@code application/json}
     * @param headers    extra response headers (e.g. {@code Retry-After}), may be empty
     */
    record Reject(int httpStatus, String jsonBody, Map<String, String> headers) implements Decision {
        public Reject {
            if (httpStatus < 400 || httpStatus > 599) {
                throw new IllegalArgumentException("httpStatus must be 400..599, was " + httpStatus);
            }
            Objects.requireNonNull(jsonBody, "jsonBody");
            if (jsonBody.isBlank()) {
                throw new IllegalArgumentException("jsonBody must not be blank");
            }
            headers = Map.copyOf(headers);
        }
    }
}
