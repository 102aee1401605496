package io.tekton.penia.server.ws;

import io.tekton.penia.engine.error.PeniaException;

import java.util.Optional;

/**
 * Decides at the WebSocket upgrade whether a client may connect. The hook for API keys
 * (SPEC §9): the key comes from {@code X-API-Key} or {@code Authorization: Bearer}, null when
 * neither is sent. A refusal is answered with the HTTP status of its error code, and no
 * WebSocket is opened.
 */
@FunctionalInterface
public interface WsGate {
    /** Empty to admit the client, or the error that refuses it. */
    Optional<PeniaException> admit(String apiKeyOrNull);

    /** Admits everyone (Penia without keys). */
    static WsGate allowAll() {
        return key -> Optional.empty();
    }
}
