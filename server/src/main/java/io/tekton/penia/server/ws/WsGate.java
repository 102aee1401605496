package io.tekton.penia.server.ws;

import io.helidon.http.Headers;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.Caller;

import java.util.Optional;

/**
 * Decides at the WebSocket upgrade whether a client may connect, and as whom. The hook for
 * API keys (SPEC §9): the key comes from {@code X-API-Key} or {@code Authorization: Bearer},
 * null when neither is sent. A refusal is answered with the HTTP status of its error code, and
 * no WebSocket is opened. An admitted client receives only the events its caller may read.
 */
@FunctionalInterface
public interface WsGate {
    /** The caller to admit the client as, or the error that refuses it. */
    Outcome admit(String apiKeyOrNull);

    /**
     * Checks the upgrade request itself before the key (the browser rules: {@code Host} and
     * {@code Origin}); the error refuses it. Admits everything unless overridden.
     */
    default Optional<PeniaException> checkUpgrade(Headers headers) {
        return Optional.empty();
    }

    /** What the gate decided. */
    sealed interface Outcome permits Admit, Refuse {
    }

    /** Connect; events are filtered for this caller. */
    record Admit(Caller caller) implements Outcome {
    }

    /** No WebSocket: answer the upgrade with this error's status. */
    record Refuse(PeniaException error) implements Outcome {
    }

    /** Admits everyone as the local admin (Penia without keys). */
    static WsGate allowAll() {
        return key -> new Admit(Caller.LOCAL_ADMIN);
    }
}
