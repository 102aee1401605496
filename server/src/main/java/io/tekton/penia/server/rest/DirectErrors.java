package io.tekton.penia.server.rest;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.ErrorEnvelope;

import java.util.Arrays;
import java.util.Map;

/**
 * The error envelope for what the web server answers before any route runs: a request line or
 * header block over its limit, a malformed request, a refused WebSocket upgrade. Without this
 * those answers would have an empty or plain-text body. The code is the one of
 * {@link ErrorCode} with the same HTTP status (invalid_argument for a 4xx without one).
 */
public final class DirectErrors implements DirectHandler {
    private final int maxHeaderBytes;

    private DirectErrors(int maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** A handler for every kind of direct answer. */
    public static DirectHandlers create(int maxHeaderBytes) {
        DirectErrors h = new DirectErrors(maxHeaderBytes);
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (EventType t : EventType.values()) {
            b.addHandler(t, h);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        ErrorCode code = status.code() == 400 ? ErrorCode.INVALID_ARGUMENT
                : Arrays.stream(ErrorCode.values()).filter(c -> c.httpStatus() == status.code()).findFirst()
                .orElse(status.code() < 500 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.INTERNAL);
        Map<String, Object> envelope = ErrorEnvelope.of(code, message(code, status, message), Map.of());
        byte[] body;
        try {
            body = Json.mapper().writeValueAsBytes(envelope);
        } catch (Exception e) {
            body = ("{\"error\":{\"code\":\"" + code.wireName() + "\",\"message\":\"refused\",\"details\":{}}}").getBytes();
        }
        if (status.code() == 503) {
            // Over server.max_concurrent_requests (issue 18): a moment later there is room again.
            headers.set(HeaderNames.RETRY_AFTER, "1");
        }
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(eventType.keepAlive())
                .entity(body)
                .build();
    }

    /** Our own refusals (the WebSocket gate) carry a message meant for the client; others get a fixed one. */
    private String message(ErrorCode code, Status status, String given) {
        if ((code == ErrorCode.UNAUTHORIZED || code == ErrorCode.FORBIDDEN || code == ErrorCode.RATE_LIMITED
                || code == ErrorCode.UNAVAILABLE) && given != null && !given.isBlank()) {
            return given;
        }
        return switch (status.code()) {
            case 400 -> "malformed request, or request headers larger than " + maxHeaderBytes + " bytes";
            case 413 -> "request too large";
            case 414 -> "request line too long";
            case 505 -> "HTTP version not supported";
            default -> status.reasonPhrase();
        };
    }
}
