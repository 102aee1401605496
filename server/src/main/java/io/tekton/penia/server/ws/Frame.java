package io.tekton.penia.server.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.PeniaException;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One item of a connection's outgoing queue: a JSON text message, a control frame, or the
 * final close. A text body is serialized at most once, by the first writer that needs it,
 * so an event fanned out to many clients costs the engine's thread nothing but the enqueue.
 */
final class Frame {
    enum Kind { TEXT, PING, PONG, CLOSE, WAKE }

    /** Wakes an idle writer so that it looks at the connection's state; never sent. */
    static final Frame WAKE = new Frame(Kind.WAKE, null, null, 0, null);
    /** Marks a connection whose peer already closed: the writer stops without sending. */
    static final Frame STOP = new Frame(Kind.WAKE, null, null, 0, null);

    private final Kind kind;
    private final Supplier<?> body;
    private final byte[] payload;
    private final int closeCode;
    private final String reason;
    private volatile String text;

    private Frame(Kind kind, Supplier<?> body, byte[] payload, int closeCode, String reason) {
        this.kind = kind;
        this.body = body;
        this.payload = payload;
        this.closeCode = closeCode;
        this.reason = reason;
    }

    /** A text message whose JSON body is built and serialized lazily, once. */
    static Frame lazy(Supplier<?> body) {
        return new Frame(Kind.TEXT, body, null, 0, null);
    }

    static Frame message(String type, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (key != null) {
            m.put(key, value);
        }
        return lazy(() -> m);
    }

    static Frame event(String type, Supplier<?> data) {
        return lazy(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("data", data.get());
            return m;
        });
    }

    static Frame channels(String type, Collection<WsChannel> current) {
        List<String> names = current.stream().map(WsChannel::wireName).toList();
        return message(type, "channels", names);
    }

    static Frame error(PeniaException e) {
        return message("error", "error", e.errorObject());
    }

    static Frame heartbeat(Instant now) {
        return message("heartbeat", "timestamp", now.toString());
    }

    static Frame ping(byte[] payload) {
        return new Frame(Kind.PING, null, payload, 0, null);
    }

    static Frame pong(byte[] payload) {
        return new Frame(Kind.PONG, null, payload, 0, null);
    }

    static Frame close(int code, String reason) {
        return new Frame(Kind.CLOSE, null, null, code, reason);
    }

    Kind kind() {
        return kind;
    }

    byte[] payload() {
        return payload;
    }

    int closeCode() {
        return closeCode;
    }

    String reason() {
        return reason;
    }

    /** The JSON text; computed on first use (a race computes the same string twice, harmlessly). */
    String text() {
        String t = text;
        if (t == null) {
            try {
                t = Json.mapper().writeValueAsString(body.get());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("WebSocket message not serializable: " + e.getMessage(), e);
            }
            text = t;
        }
        return t;
    }
}
