package io.tekton.penia.server.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.exc.StreamReadException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Reads one JSON-RPC message from a POST: content type, size bound, JSON, message shape.
 * Each refusal is answered here with its status and JSON-RPC error body.
 */
final class RequestReader {
    private static final String JSON = "application/json";

    private final McpJsonMapper jsonMapper;
    private final int maxBodyBytes;

    RequestReader(McpJsonMapper jsonMapper, int maxBodyBytes) {
        this.jsonMapper = jsonMapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The message of the request; empty when it was refused and answered: 415 for a
     * non-JSON content type, 413 above the size bound, 400 for broken JSON (parse error),
     * batches, and objects that are no JSON-RPC 2.0 message (invalid request).
     */
    Optional<McpSchema.JSONRPCMessage> read(ServerRequest req, ServerResponse res) {
        if (!isJson(req)) {
            TransportError.UNSUPPORTED_MEDIA_TYPE.send(res, jsonMapper, null, "Content-Type must be application/json");
            return Optional.empty();
        }
        Optional<byte[]> body = boundedBody(req);
        if (body.isEmpty()) {
            TransportError.PAYLOAD_TOO_LARGE.send(res, jsonMapper, null,
                    "Request body exceeds " + maxBodyBytes + " bytes");
            return Optional.empty();
        }
        return parse(body.get(), res);
    }

    /** True if the Accept header (absent means anything) admits {@code mediaType}. */
    static boolean accepts(ServerRequest req, String mediaType) {
        List<String> accept = req.headers().values(HeaderNames.ACCEPT);
        if (accept.isEmpty()) {
            return true;
        }
        String anyOfType = mediaType.substring(0, mediaType.indexOf('/')) + "/*";
        for (String header : accept) {
            for (String range : header.split(",")) {
                String type = range.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (type.equals(mediaType) || type.equals(anyOfType) || type.equals("*/*")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An absent Content-Type is tolerated; a present one must be JSON. */
    private static boolean isJson(ServerRequest req) {
        return req.headers().first(HeaderNames.CONTENT_TYPE)
                .map(type -> type.trim().toLowerCase(Locale.ROOT))
                .map(type -> type.startsWith(JSON) || type.startsWith("application/") && type.contains("+json"))
                .orElse(true);
    }

    /** The body, or empty above the bound: refused unread when declared, else after bound+1 bytes. */
    private Optional<byte[]> boundedBody(ServerRequest req) {
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBodyBytes) {
            return Optional.empty();
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            return body.length > maxBodyBytes ? Optional.empty() : Optional.of(body);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the MCP request body failed", e);
        }
    }

    private Optional<McpSchema.JSONRPCMessage> parse(byte[] body, ServerResponse res) {
        Object tree;
        try {
            tree = jsonMapper.readValue(body, Object.class);
        } catch (IOException | RuntimeException e) {
            TransportError.PARSE_ERROR.send(res, jsonMapper, null, "Parse error: " + parseProblem(e));
            return Optional.empty();
        }
        if (!(tree instanceof Map<?, ?> object)) {
            TransportError.INVALID_REQUEST.send(res, jsonMapper, null, tree instanceof List<?>
                    ? "JSON-RPC batches are not supported" : "The body must be one JSON-RPC message object");
            return Optional.empty();
        }
        Object id = object.get("id") instanceof String || object.get("id") instanceof Number ? object.get("id") : null;
        try {
            String text = new String(body, StandardCharsets.UTF_8);
            return Optional.of(McpSchema.deserializeJsonRpcMessage(jsonMapper, text));
        } catch (IOException | RuntimeException e) {
            TransportError.INVALID_REQUEST.send(res, jsonMapper, id, "Not a valid JSON-RPC 2.0 message");
            return Optional.empty();
        }
    }

    /** What is wrong with the body, for the client: a duplicate key is named, anything else is just "not valid JSON". */
    private static String parseProblem(Exception e) {
        if (e instanceof StreamReadException sre && sre.getOriginalMessage() != null
                && sre.getOriginalMessage().startsWith("Duplicate field")) {
            return "duplicate key " + sre.getOriginalMessage().substring("Duplicate field".length()).trim()
                    + " (each key may appear once per object)";
        }
        return "the body is not valid JSON";
    }
}
