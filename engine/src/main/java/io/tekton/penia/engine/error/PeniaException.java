package io.tekton.penia.engine.error;

import java.util.Map;

/**
 * An expected failure with a code from {@link ErrorCode}: thrown by parsing and validation
 * at the edges and mapped to the shared envelope
 * {@code {"error":{"code":…,"message":…,"details":{…}}}} by every adapter.
 */
public final class PeniaException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, Object> details;

    public PeniaException(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public PeniaException(ErrorCode code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.code = code;
        this.details = details == null ? Map.of() : details;
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    /** The error object of the envelope: {@code {code, message, details}}. */
    public Map<String, Object> errorObject() {
        return ErrorEnvelope.errorObject(code, getMessage(), details);
    }

    /** The whole envelope: {@code {"error":{code, message, details}}}. */
    public Map<String, Object> envelope() {
        return ErrorEnvelope.of(this);
    }

    public static PeniaException invalid(String field, String message) {
        return new PeniaException(ErrorCode.INVALID_ARGUMENT, field + ": " + message, Map.of("field", field));
    }

    public static PeniaException notFound(String what, String id) {
        return new PeniaException(ErrorCode.NOT_FOUND, what + " '" + id + "' not found", Map.of(what + "_id", id));
    }
}
