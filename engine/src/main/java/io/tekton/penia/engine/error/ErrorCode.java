package io.tekton.penia.engine.error;

/**
 * Every error Penia reports, with the HTTP status it maps to. This is the one table from
 * error code to status shared by REST, WebSocket and MCP.
 */
public enum ErrorCode {
    BAD_JSON(400),
    INVALID_ARGUMENT(400),
    UNKNOWN_FIELD(400),
    UNAUTHORIZED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    CONFLICT(409),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    RATE_LIMITED(429),
    UNAVAILABLE(503),
    INTERNAL(500);

    private final String wire = name().toLowerCase(java.util.Locale.ROOT);
    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status this code is reported with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The snake_case wire name, e.g. {@code invalid_argument}. */
    public String wireName() {
        return wire;
    }

    /** The code with this wire name, or {@link #INTERNAL} for a name no code has. */
    public static ErrorCode fromWire(String wireName) {
        for (ErrorCode c : values()) {
            if (c.wire.equals(wireName)) {
                return c;
            }
        }
        return INTERNAL;
    }
}
