package io.tekton.penia.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;

import java.io.IOException;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The part every WebSocket test client shares: the JDK listener that keeps each JSON text message it
 * receives (a message split over frames is put together first) and the close code and reason it got.
 */
public abstract class JsonSocketListener implements WebSocket.Listener {
    /** Every JSON message received, in order. */
    public final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    /** The close the server sent; null while open. */
    public volatile Integer closeCode;
    public volatile String closeReason;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                received.add(Json.mapper().readTree(partial.toString()));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closeCode = statusCode;
        return CompletableFuture.completedFuture(null);
    }
}
