package io.tekton.penia.server.ws;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The channels a client may subscribe to, by their wire names. */
enum WsChannel {
    BUDGET_UPDATES("budget_updates"),
    ALERTS("alerts"),
    USAGE("usage");

    static final List<String> WIRE_NAMES = Arrays.stream(values()).map(WsChannel::wireName).toList();

    private final String wireName;

    WsChannel(String wireName) {
        this.wireName = wireName;
    }

    String wireName() {
        return wireName;
    }

    static Optional<WsChannel> parse(String name) {
        for (WsChannel c : values()) {
            if (c.wireName.equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
