package io.tekton.penia.engine.model;

import java.util.List;

/**
 * Where a budget's alerts are delivered besides WebSocket subscribers.
 * {@code secret} signs webhook bodies and is never echoed back.
 */
public record Channel(String type, String url, String secret, List<String> to) {
    public Channel {
        to = to == null ? List.of() : List.copyOf(to);
    }
}
