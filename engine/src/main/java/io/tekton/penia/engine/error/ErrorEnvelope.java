package io.tekton.penia.engine.error;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one definition of the error envelope that REST, WebSocket and MCP answer with:
 * {@code {"error":{"code":…,"message":…,"details":{…}}}}. Fields keep that order.
 */
public final class ErrorEnvelope {
    private ErrorEnvelope() {
    }

    /** The error object inside the envelope: {@code {code, message, details}}. */
    public static Map<String, Object> errorObject(ErrorCode code, String message, Map<String, Object> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code.wireName());
        m.put("message", message);
        m.put("details", details == null ? Map.of() : details);
        return m;
    }

    /** The whole envelope for an error object. */
    public static Map<String, Object> wrap(Map<String, Object> errorObject) {
        return Map.of("error", errorObject);
    }

    /** The whole envelope for a code, message and details. */
    public static Map<String, Object> of(ErrorCode code, String message, Map<String, Object> details) {
        return wrap(errorObject(code, message, details));
    }

    /** The whole envelope for an expected failure. */
    public static Map<String, Object> of(PeniaException e) {
        return wrap(e.errorObject());
    }
}
