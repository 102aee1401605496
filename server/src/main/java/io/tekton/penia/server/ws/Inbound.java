package io.tekton.penia.server.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A message from a client: subscribe, unsubscribe or ping. Parsing fails with the shared error codes. */
sealed interface Inbound {
    List<String> TYPES = List.of("subscribe", "unsubscribe", "ping");
    /** The most of a client's value quoted back in an error, so that replies stay small. */
    int MAX_ECHO_CHARS = 256;

    record Subscribe(List<WsChannel> channels) implements Inbound {
        public Subscribe {
            channels = List.copyOf(channels);
        }
    }

    record Unsubscribe(List<WsChannel> channels) implements Inbound {
        public Unsubscribe {
            channels = List.copyOf(channels);
        }
    }

    record Ping() implements Inbound {
    }

    /** Parses one text message; unknown fields besides {@code type} and {@code channels} are ignored. */
    static Inbound parse(String text) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new PeniaException(ErrorCode.BAD_JSON, "message is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || n.isMissingNode()) {
            throw new PeniaException(ErrorCode.BAD_JSON, "message is empty; expected a JSON object");
        }
        if (!n.isObject()) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "message must be a JSON object with a type");
        }
        JsonNode type = n.get("type");
        if (type == null || !type.isTextual()) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "type: required, one of " + String.join(", ", TYPES),
                    Map.of("field", "type", "allowed", TYPES));
        }
        return switch (type.asText()) {
            case "subscribe" -> new Subscribe(channels(n));
            case "unsubscribe" -> new Unsubscribe(channels(n));
            case "ping" -> new Ping();
            default -> throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "type: unknown message type '"
                    + echo(type.asText()) + "'; expected one of " + String.join(", ", TYPES),
                    details("type", type.asText(), TYPES));
        };
    }

    private static List<WsChannel> channels(JsonNode n) {
        JsonNode cs = n.get("channels");
        if (cs == null || !cs.isArray()) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "channels: required, a list of channel names from "
                    + WsChannel.WIRE_NAMES, Map.of("field", "channels", "allowed", WsChannel.WIRE_NAMES));
        }
        List<WsChannel> out = new ArrayList<>();
        for (JsonNode c : cs) {
            // A request naming any unknown channel changes nothing, so that a typo is never half-applied.
            WsChannel ch = c.isTextual() ? WsChannel.parse(c.asText()).orElse(null) : null;
            if (ch == null) {
                throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "channels: unknown channel "
                        + echo(c.toString()) + "; known channels are " + String.join(", ", WsChannel.WIRE_NAMES),
                        details("channels", c.isTextual() ? c.asText() : c.toString(), WsChannel.WIRE_NAMES));
            }
            if (!out.contains(ch)) {
                out.add(ch);
            }
        }
        return out;
    }

    private static String echo(String value) {
        return value.length() <= MAX_ECHO_CHARS ? value : value.substring(0, MAX_ECHO_CHARS) + "…";
    }

    private static Map<String, Object> details(String field, String value, List<String> allowed) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("field", field);
        d.put("value", echo(value));
        d.put("allowed", allowed);
        return d;
    }
}
