package io.tekton.penia.server.mcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import io.tekton.penia.engine.error.ErrorCode;

/**
 * The faults the transport answers itself, before or beside the SDK: each has its HTTP
 * status (from Penia's one {@link ErrorCode} table) and its JSON-RPC error code.
 *
 * <p>The body is a JSON-RPC error response written here, because the SDK refuses to build
 * one without a request id: {@code {"jsonrpc":"2.0","id":…|null,"error":{"code":…,
 * "message":…,"data":{"code":"snake_case_code"}}}}.
 */
enum TransportError {
    FORBIDDEN_ORIGIN(ErrorCode.FORBIDDEN, Rpc.SERVER_ERROR, 0),
    SHUTTING_DOWN(ErrorCode.UNAVAILABLE, Rpc.SERVER_ERROR, 1),
    NOT_READY(ErrorCode.UNAVAILABLE, Rpc.SERVER_ERROR, 1),
    METHOD_NOT_ALLOWED(ErrorCode.METHOD_NOT_ALLOWED, ErrorCodes.INVALID_REQUEST, 0),
    UNSUPPORTED_MEDIA_TYPE(ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCodes.INVALID_REQUEST, 0),
    PAYLOAD_TOO_LARGE(ErrorCode.PAYLOAD_TOO_LARGE, ErrorCodes.INVALID_REQUEST, 0),
    PARSE_ERROR(ErrorCode.BAD_JSON, ErrorCodes.PARSE_ERROR, 0),
    INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT, ErrorCodes.INVALID_REQUEST, 0),
    INVALID_PARAMS(ErrorCode.INVALID_ARGUMENT, ErrorCodes.INVALID_PARAMS, 0),
    NOT_ACCEPTABLE(ErrorCode.INVALID_ARGUMENT, ErrorCodes.INVALID_REQUEST, 0),
    UNSUPPORTED_PROTOCOL_VERSION(ErrorCode.INVALID_ARGUMENT, ErrorCodes.INVALID_REQUEST, 0),
    MISSING_SESSION(ErrorCode.INVALID_ARGUMENT, ErrorCodes.INVALID_REQUEST, 0),
    UNKNOWN_SESSION(ErrorCode.NOT_FOUND, Rpc.SESSION_NOT_FOUND, 0),
    TOO_MANY_SESSIONS(ErrorCode.UNAVAILABLE, Rpc.SERVER_ERROR, 1),
    TOO_MANY_STREAMS(ErrorCode.RATE_LIMITED, Rpc.SERVER_ERROR, 1),
    INTERNAL(ErrorCode.INTERNAL, ErrorCodes.INTERNAL_ERROR, 0);

    private final ErrorCode code;
    private final int rpcCode;
    private final int retryAfterSeconds;

    TransportError(ErrorCode code, int rpcCode, int retryAfterSeconds) {
        this.code = code;
        this.rpcCode = rpcCode;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The HTTP status this fault is answered with. */
    int httpStatus() {
        return code.httpStatus();
    }

    /** The JSON-RPC error code in the body. */
    int rpcCode() {
        return rpcCode;
    }

    /**
     * Answers the request with this fault.
     *
     * @param id      the JSON-RPC id of the offending request, or null when unknown
     * @param message a short explanation for the client; never internal details
     */
    void send(ServerResponse response, McpJsonMapper jsonMapper, Object id, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", rpcCode);
        error.put("message", message);
        error.put("data", Map.of("code", code.wireName()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jsonrpc", "2.0");
        body.put("id", id);
        body.put("error", error);
        byte[] bytes;
        try {
            bytes = jsonMapper.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a transport error body", e);
        }
        if (retryAfterSeconds > 0) {
            response.header(HeaderNames.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
        response.status(Status.create(httpStatus()));
        response.headers().contentType(MediaTypes.APPLICATION_JSON);
        response.send(bytes);
    }

    /** JSON-RPC codes of the implementation-defined server range (-32000..-32099). */
    private static final class Rpc {
        static final int SERVER_ERROR = -32000;
        /** The code other MCP transports use for an unknown or expired session. */
        static final int SESSION_NOT_FOUND = -32001;
    }
}
