package io.tekton.penia.it.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.tekton.penia.server.mcp.McpRequestGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MCP Streamable HTTP transport end to end: the real Helidon server on port 0 with the
 * conformance fixture, driven by the SDK's own client and by raw HTTP.
 */
class McpTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"raw-test","version":"1.0"}}}""";

    private static ConformanceFixtureServer fixture;

    @BeforeAll
    static void startServer() {
        fixture = ConformanceFixtureServer.start(0);
    }

    @AfterAll
    static void stopServer() {
        fixture.close();
    }

    // ---- through the SDK client ------------------------------------------------------

    @Test
    void sdkClient_initializeListCallNotifyDelete_sessionIsGoneAfterwards() {
        Set<String> before = fixture.transport().sessionIds();
        List<LoggingMessageNotification> logs = Collections.synchronizedList(new ArrayList<>());
        List<ProgressNotification> progress = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<List<Tool>> changedTools = new AtomicReference<>();
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl(fixture))
                        .openConnectionOnStartup(true).build())
                .requestTimeout(WAIT)
                .loggingConsumer(logs::add)
                .progressConsumer(progress::add)
                .toolsChangeConsumer(changedTools::set)
                .build();

        McpSchema.InitializeResult init = client.initialize();
        assertThat(init.serverInfo().name()).isEqualTo("penia-mcp-conformance-fixture");
        Set<String> ours = new HashSet<>(fixture.transport().sessionIds());
        ours.removeAll(before);
        assertThat(ours).hasSize(1);
        String sessionId = ours.iterator().next();

        assertThat(client.listTools().tools()).extracting(Tool::name)
                .contains("test_simple_text", "test_tool_with_logging", "test_tool_with_progress");
        assertThat(text(client.callTool(call("test_simple_text"))))
                .isEqualTo("This is a simple text response for testing.");

        // The SDK's sync client runs each notification's consumer as its own task on Reactor's
        // boundedElastic scheduler (McpClientFeatures.Async.fromSync), so consumers may see
        // notifications in another order than the stream carried them: the set is checked.
        client.setLoggingLevel(LoggingLevel.DEBUG);
        client.callTool(call("test_tool_with_logging"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(logs).extracting(LoggingMessageNotification::data)
                .containsExactlyInAnyOrder("Tool execution started", "Tool processing data", "Tool execution completed"));

        client.callTool(CallToolRequest.builder("test_tool_with_progress").arguments(Map.of())
                .progressToken("p-1").build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(progress).extracting(ProgressNotification::progress)
                .containsExactlyInAnyOrder(0.0, 50.0, 100.0));

        // Server-initiated, over the listening GET stream the client opened on start-up.
        await().atMost(WAIT).untilAsserted(() -> {
            fixture.mcp().notifyToolsListChanged();
            assertThat(changedTools.get()).isNotEmpty();
        });

        // Our session is deleted. (A tools/list the client still had in flight for a late
        // list_changed gets 404 after the DELETE, and the SDK client then initializes a fresh
        // session on its own: so the check is on this session's id, not on the count.)
        assertThat(client.closeGracefully()).isTrue();
        await().atMost(WAIT).until(() -> !fixture.transport().sessionIds().contains(sessionId));
    }

    @Test
    void fiftyConcurrentSessions_eachCallATool_allSucceed() throws Exception {
        int before = fixture.transport().activeSessions();
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                results.add(pool.submit(() -> {
                    McpSyncClient client = McpClient.sync(
                            HttpClientStreamableHttpTransport.builder(baseUrl(fixture)).build()).requestTimeout(WAIT).build();
                    try {
                        client.initialize();
                        return text(client.callTool(call("test_simple_text")));
                    } finally {
                        client.closeGracefully();
                    }
                }));
            }
            for (Future<String> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo("This is a simple text response for testing.");
            }
        }
        await().atMost(WAIT).until(() -> fixture.transport().activeSessions() == before);
    }

    @Test
    void gate_refusesWithItsOwnAnswer_andAdmittedContextReachesTheTool() throws Exception {
        McpRequestGate gate = request -> request.headers().first(HeaderNames.create("X-Api-Key"))
                .map(key -> McpRequestGate.allow(Map.of("role", "admin:" + key)))
                .orElseGet(() -> new McpRequestGate.Reject(401,
                        "{\"error\":{\"code\":\"unauthorized\",\"message\":\"API key required\"}}",
                        Map.of("WWW-Authenticate", "Bearer")));
        try (ConformanceFixtureServer gated = ConformanceFixtureServer.start(0, b -> b.requestAuthenticator(gate))) {
            gated.mcp().addTool(SyncToolSpecification.builder()
                    .tool(Tool.builder("whoami", Map.of("type", "object")).description("Echoes the caller's role").build())
                    .callHandler((exchange, request) -> CallToolResult.builder()
                            .addTextContent(String.valueOf(exchange.transportContext().get("role"))).build())
                    .build());

            HttpResponse<String> refused = post(gated.url(), INITIALIZE);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(refused).at("/error/code").asText()).isEqualTo("unauthorized");
            assertThat(gated.transport().activeSessions()).isZero();

            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl(gated))
                    .requestBuilder(HttpRequest.newBuilder().header("X-Api-Key", "k1")).build()).requestTimeout(WAIT).build();
            client.initialize();
            assertThat(text(client.callTool(call("whoami")))).isEqualTo("admin:k1");
            client.closeGracefully();
        }
    }

    // ---- raw HTTP: what the transport answers itself ----------------------------------

    @Test
    void post_initialize_returnsSessionIdAndJsonResult() throws Exception {
        HttpResponse<String> response = post(fixture.url(), INITIALIZE);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        String sessionId = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertThat(json(response).at("/result/protocolVersion").asText()).isEqualTo("2025-11-25");

        HttpResponse<String> notified = post(fixture.url(), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                "Mcp-Session-Id", sessionId);
        assertThat(notified.statusCode()).isEqualTo(202);
        assertThat(notified.body()).isEmpty();

        HttpResponse<String> ping = post(fixture.url(), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}",
                "Mcp-Session-Id", sessionId, "MCP-Protocol-Version", "2025-11-25");
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(ping.body()).startsWith("id: ").contains("\"id\":7,\"result\":{}");
        delete(fixture.url(), sessionId);
    }

    @Test
    void post_foreignOrigin_is403WithJsonRpcError_andCreatesNoSession() throws Exception {
        int before = fixture.transport().activeSessions();
        HttpResponse<String> response = post(fixture.url(), INITIALIZE, "Origin", "http://evil.example.com");
        assertThat(response.statusCode()).isEqualTo(403);
        assertJsonRpcError(response, -32000, "forbidden");
        assertThat(fixture.transport().activeSessions()).isEqualTo(before);

        HttpResponse<String> local = post(fixture.url(), INITIALIZE, "Origin", "http://localhost:" + fixture.port());
        assertThat(local.statusCode()).isEqualTo(200);
        delete(fixture.url(), local.headers().firstValue("Mcp-Session-Id").orElseThrow());
    }

    @Test
    void post_unknownSession_is404_missingSession_is400() throws Exception {
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";
        HttpResponse<String> unknown = post(fixture.url(), ping, "Mcp-Session-Id", "no-such-session");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertJsonRpcError(unknown, -32001, "not_found");
        assertThat(json(unknown).get("id").asInt()).isEqualTo(3);

        HttpResponse<String> missing = post(fixture.url(), ping);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertJsonRpcError(missing, -32600, "invalid_argument");
    }

    @Test
    void post_oversizeBody_is413_declaredOrStreamed() throws Exception {
        byte[] big = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<String> declared = HTTP.send(request(fixture.url())
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(declared.statusCode()).isEqualTo(413);
        assertJsonRpcError(declared, -32600, "payload_too_large");

        // No Content-Length: the limit holds while reading.
        HttpResponse<String> streamed = HTTP.send(request(fixture.url())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
                        InputStream.nullInputStream(), new java.io.ByteArrayInputStream(big)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(streamed.statusCode()).isEqualTo(413);
    }

    @Test
    void post_brokenJson_is400ParseError_batch_and_nonMessage_are400InvalidRequest() throws Exception {
        HttpResponse<String> broken = post(fixture.url(), "{\"jsonrpc\":\"2.0\",");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertJsonRpcError(broken, -32700, "bad_json");
        assertThat(json(broken).get("id").isNull()).isTrue();

        HttpResponse<String> batch = post(fixture.url(), "[" + INITIALIZE + "]");
        assertThat(batch.statusCode()).isEqualTo(400);
        assertJsonRpcError(batch, -32600, "invalid_argument");

        HttpResponse<String> notAMessage = post(fixture.url(), "{\"hello\":\"world\"}");
        assertThat(notAMessage.statusCode()).isEqualTo(400);
        assertJsonRpcError(notAMessage, -32600, "invalid_argument");
    }

    @Test
    void requests_withUnsupportedProtocolVersion_are400_otherMethods_405() throws Exception {
        String sessionId = initialize(fixture);
        HttpResponse<String> response = post(fixture.url(), "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}",
                "Mcp-Session-Id", sessionId, "MCP-Protocol-Version", "1999-01-01");
        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32600, "invalid_argument");

        HttpResponse<String> put = HTTP.send(request(fixture.url()).PUT(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST, DELETE");
        delete(fixture.url(), sessionId);
    }

    @Test
    void post_responseToNoPendingRequest_is400() throws Exception {
        String sessionId = initialize(fixture);
        HttpResponse<String> response = post(fixture.url(), "{\"jsonrpc\":\"2.0\",\"id\":\"nope\",\"result\":{}}",
                "Mcp-Session-Id", sessionId);
        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32600, "invalid_argument");
        delete(fixture.url(), sessionId);
    }

    @Test
    void delete_endsSession_laterRequestsGet404() throws Exception {
        String sessionId = initialize(fixture);
        int before = fixture.transport().activeSessions();
        assertThat(delete(fixture.url(), sessionId).statusCode()).isEqualTo(200);
        assertThat(fixture.transport().activeSessions()).isEqualTo(before - 1);
        HttpResponse<String> after = post(fixture.url(), "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}",
                "Mcp-Session-Id", sessionId);
        assertThat(after.statusCode()).isEqualTo(404);
        assertThat(delete(fixture.url(), sessionId).statusCode()).isEqualTo(404);
    }

    // ---- raw HTTP: the listening stream -------------------------------------------------

    @Test
    void get_listeningStream_primesAtOnce_thenCarriesServerNotifications() throws Exception {
        String sessionId = initialize(fixture);
        try (SseLines stream = SseLines.open(fixture.url(), sessionId)) {
            assertThat(stream.response().statusCode()).isEqualTo(200);
            assertThat(stream.response().headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(stream.next()).startsWith("id: ");
            assertThat(stream.next()).isEqualTo("data: ");

            fixture.mcp().notifyToolsListChanged();
            assertThat(stream.nextMatching(line -> line.startsWith("data: ")))
                    .contains("\"method\":\"notifications/tools/list_changed\"");
        }
        delete(fixture.url(), sessionId);
    }

    @Test
    void get_quietStream_getsKeepAliveComments() throws Exception {
        try (ConformanceFixtureServer server = ConformanceFixtureServer.start(0,
                b -> b.keepAliveInterval(Duration.ofMillis(100)))) {
            String sessionId = initialize(server);
            try (SseLines stream = SseLines.open(server.url(), sessionId)) {
                assertThat(stream.nextMatching(line -> line.startsWith(":"))).isEqualTo(": keep-alive");
            }
        }
    }

    // ---- limits and lifecycle ------------------------------------------------------------

    @Test
    void idleSession_isSwept_thenItsIdIs404() throws Exception {
        try (ConformanceFixtureServer server = ConformanceFixtureServer.start(0,
                b -> b.sessionIdleTimeout(Duration.ofSeconds(2)))) {
            String sessionId = initialize(server);
            await().atMost(WAIT).until(() -> server.transport().activeSessions() == 0);
            HttpResponse<String> response = post(server.url(), "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}",
                    "Mcp-Session-Id", sessionId);
            assertThat(response.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void sessionLimit_refusesTheNextInitializeWith503() throws Exception {
        try (ConformanceFixtureServer server = ConformanceFixtureServer.start(0, b -> b.maxSessions(2))) {
            initialize(server);
            initialize(server);
            HttpResponse<String> third = post(server.url(), INITIALIZE);
            assertThat(third.statusCode()).isEqualTo(503);
            assertThat(third.headers().firstValue("Retry-After")).isPresent();
            assertJsonRpcError(third, -32000, "unavailable");
            assertThat(json(third).get("id").asInt()).isEqualTo(1);
            assertThat(server.transport().activeSessions()).isEqualTo(2);
        }
    }

    @Test
    void closeGracefully_letsInFlightCallFinish_endsListeningStream_refusesNewRequests() throws Exception {
        try (ConformanceFixtureServer server = ConformanceFixtureServer.start(0)) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            server.mcp().addTool(SyncToolSpecification.builder()
                    .tool(Tool.builder("blocking", Map.of("type", "object")).description("Waits for the test").build())
                    .callHandler((exchange, request) -> {
                        entered.countDown();
                        awaitLatch(release);
                        return CallToolResult.builder().addTextContent("finished").build();
                    })
                    .build());
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(baseUrl(server)).build())
                    .requestTimeout(WAIT).build();
            client.initialize();
            String listenerSession = initialize(server);
            try (SseLines listening = SseLines.open(server.url(), listenerSession);
                 ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<CallToolResult> call = pool.submit(() -> client.callTool(call("blocking")));
                assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

                CompletableFuture<Void> closing = server.transport().closeGracefully().toFuture();
                listening.awaitEnd();
                assertThat(post(server.url(), INITIALIZE).statusCode()).isEqualTo(503);
                assertThat(closing).isNotDone();

                release.countDown();
                assertThat(text(call.get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo("finished");
                closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(server.transport().activeSessions()).isZero();
            } finally {
                client.close();
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------

    private static String baseUrl(ConformanceFixtureServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    private static CallToolRequest call(String tool) {
        return CallToolRequest.builder(tool).arguments(Map.of()).build();
    }

    private static String text(CallToolResult result) {
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        return ((TextContent) result.content().getFirst()).text();
    }

    private static String initialize(ConformanceFixtureServer server) throws Exception {
        HttpResponse<String> response = post(server.url(), INITIALIZE);
        assertThat(response.statusCode()).isEqualTo(200);
        String sessionId = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> initialized = post(server.url(),
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", "Mcp-Session-Id", sessionId);
        assertThat(initialized.statusCode()).isEqualTo(202);
        return sessionId;
    }

    private static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(WAIT)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
    }

    private static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
        HttpRequest.Builder builder = request(url).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> delete(String url, String sessionId) throws Exception {
        return HTTP.send(request(url).header("Mcp-Session-Id", sessionId).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private static void assertJsonRpcError(HttpResponse<String> response, int rpcCode, String peniaCode) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(body.get("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.has("id")).isTrue();
        assertThat(body.at("/error/code").asInt()).isEqualTo(rpcCode);
        assertThat(body.at("/error/message").asText()).isNotBlank();
        assertThat(body.at("/error/data/code").asText()).isEqualTo(peniaCode);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A raw GET listening stream read line by line on a virtual thread, with bounded waits. */
    private static final class SseLines implements AutoCloseable {
        private static final String END = "\u0000end";
        private final HttpResponse<Stream<String>> response;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private SseLines(HttpResponse<Stream<String>> response) {
            this.response = response;
            Thread.ofVirtual().name("sse-test-reader").start(() -> {
                try (Stream<String> body = response.body()) {
                    body.forEach(lines::add);
                } catch (RuntimeException e) {
                    // The stream was cut; END tells the reader.
                } finally {
                    lines.add(END);
                }
            });
        }

        /** Opens the stream; returns once the headers are in, which the priming write guarantees. */
        static SseLines open(String url, String sessionId) throws Exception {
            HttpRequest get = HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", sessionId)
                    .GET().build();
            return new SseLines(HTTP.sendAsync(get, HttpResponse.BodyHandlers.ofLines())
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }

        HttpResponse<Stream<String>> response() {
            return response;
        }

        String next() throws InterruptedException {
            String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(line).as("an SSE line within " + WAIT).isNotNull().isNotEqualTo(END);
            return line;
        }

        String nextMatching(Predicate<String> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                String line = next();
                if (wanted.test(line)) {
                    return line;
                }
            }
            throw new AssertionError("no matching SSE line within " + WAIT);
        }

        void awaitEnd() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (END.equals(line)) {
                    return;
                }
            }
            throw new AssertionError("the SSE stream did not end within " + WAIT);
        }

        @Override
        public void close() {
            response.body().close();
        }
    }
}
