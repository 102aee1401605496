package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.tekton.penia.it.security.Sec.ADMIN_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Revoking or deleting a key ends what it has open (issue 18, item 2): its WebSockets are
 * closed with 1008 (policy violation) and its MCP sessions end, within one second of the
 * revocation's answer; the connections of other keys stay open and keep being served.
 */
@PeniaServerTest(adminKey = true)
class RevokedKeyConnectionsTest {
    static final Duration ONE_SECOND = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(15);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static TestServer t;

    @Test
    void revokingAKey_closesItsWebSockets_with1008_withinASecond_othersKeepReceiving() throws Exception {
        String own = "rev-ws-" + UUID.randomUUID();
        String other = "keep-ws-" + UUID.randomUUID();
        String revoked = Sec.secret(t, "component", own);
        String kept = Sec.secret(t, "component", other);
        try (Socket byHeader = Socket.open(t, revoked, false); Socket byQuery = Socket.open(t, revoked, true);
             Socket keeper = Socket.open(t, kept, false)) {
            for (Socket s : List.of(byHeader, byQuery, keeper)) {
                s.subscribe("usage");
            }
            record(revoked, own, "0.01");
            byHeader.await(m -> usageOf(m, own));

            TestServer.Resp r = Sec.call(t, ADMIN_KEY, "POST", "/api/v1/keys/" + Sec.keyId(revoked) + "/revoke", null);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            await().atMost(ONE_SECOND).until(() -> byHeader.closeCode != null && byQuery.closeCode != null);
            assertThat(byHeader.closeCode).isEqualTo(1008);
            assertThat(byQuery.closeCode).isEqualTo(1008);
            assertThat(byHeader.closeReason).contains("revoked");

            // The other key's socket is untouched and still streams its usage.
            record(kept, other, "0.02");
            keeper.await(m -> usageOf(m, other));
            assertThat(keeper.closeCode).isNull();
            assertThat(keeper.isOpen()).isTrue();
            // And the revoked key cannot come back.
            assertThat(Sec.wsConnect(t, revoked, false)).isEqualTo(401);
        }
    }

    @Test
    void deletingAKey_endsItsMcpSessionsAndWebSockets_withinASecond_othersStay() throws Exception {
        String deleted = Sec.secret(t, "component", "del-" + UUID.randomUUID());
        String kept = Sec.secret(t, "viewer", null);
        String doomed = mcpSession(deleted);
        String survivor = mcpSession(kept);
        CompletableFuture<Void> listening = listen(deleted, doomed);
        CompletableFuture<Void> keptListening = listen(kept, survivor);
        try (Socket ws = Socket.open(t, deleted, false)) {
            ws.subscribe("usage");
            assertThat(ping(doomed, deleted)).isEqualTo(200);

            TestServer.Resp r = Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + Sec.keyId(deleted), null);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            await().atMost(ONE_SECOND).until(() -> listening.isDone() && ws.closeCode != null);
            assertThat(ws.closeCode).isEqualTo(1008);
            // The session is gone, not only its stream: even the admin finds no such session.
            assertThat(ping(doomed, ADMIN_KEY)).isEqualTo(404);

            assertThat(keptListening).isNotDone();
            assertThat(ping(survivor, kept)).isEqualTo(200);
        } finally {
            keptListening.cancel(true);
        }
    }

    // ---- helpers -----------------------------------------------------------------------

    private static void record(String key, String component, String cost) {
        TestServer.Resp r = Sec.call(t, key, "POST", "/api/v1/usage/record", Sec.usage(component, "openai", cost));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    private static boolean usageOf(JsonNode m, String component) {
        return m.path("type").asText().equals("usage") && m.path("data").path("component").asText().equals(component);
    }

    /** Initializes an MCP session with the key (and sends initialized); returns its id. */
    private static String mcpSession(String key) throws Exception {
        TestServer.Resp init = Sec.mcpInitialize(t, key);
        assertThat(init.status()).as(init.raw()).isEqualTo(200);
        String id = init.http().headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> ack = HTTP.send(mcp(key, id).POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(202);
        return id;
    }

    private static HttpRequest.Builder mcp(String key, String sessionId) {
        return HttpRequest.newBuilder(URI.create(t.base() + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("Mcp-Session-Id", sessionId)
                .header("X-API-Key", key);
    }

    private static int ping(String sessionId, String key) throws Exception {
        return HTTP.send(mcp(key, sessionId).POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Opens the session's listening stream (GET); completes when the server ends it. */
    private static CompletableFuture<Void> listen(String key, String sessionId) throws Exception {
        HttpResponse<InputStream> stream = HTTP.sendAsync(mcp(key, sessionId).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (InputStream in = stream.body()) {
                while (in.read() >= 0) {
                    // an SSE keep-alive or priming event; the stream is still open
                }
            } catch (IOException e) {
                // cut: ended all the same
            }
            ended.complete(null);
        });
        return ended;
    }

    /** A Java-WebSocket client keeping the JSON messages and the close code it got. */
    static final class Socket extends WebSocketClient implements AutoCloseable {
        final List<JsonNode> received = new CopyOnWriteArrayList<>();
        volatile Integer closeCode;
        volatile String closeReason;

        private Socket(URI uri, Map<String, String> headers) {
            super(uri, headers);
        }

        static Socket open(TestServer t, String key, boolean inQuery) throws InterruptedException {
            String q = inQuery ? "?api_key=" + key : "";
            Socket s = new Socket(URI.create("ws://127.0.0.1:" + t.port() + "/ws" + q),
                    inQuery ? Map.of() : Map.of("X-API-Key", key));
            assertThat(s.connectBlocking(10, TimeUnit.SECONDS)).as("connected").isTrue();
            return s;
        }

        void subscribe(String... channels) {
            send("{\"type\":\"subscribe\",\"channels\":[\"" + String.join("\",\"", channels) + "\"]}");
            await(m -> m.path("type").asText().equals("subscribed"));
        }

        JsonNode await(Predicate<JsonNode> p) {
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> received.stream().anyMatch(p));
            return received.stream().filter(p).findFirst().orElseThrow();
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            try {
                received.add(Json.mapper().readTree(message));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            closeReason = reason;
            closeCode = code;
        }

        @Override
        public void onError(Exception ex) {
        }
    }
}
