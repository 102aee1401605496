package io.tekton.penia.it.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.JsonSocketListener;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.cluster.LeaderView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.tekton.penia.it.support.PeniaClient.ADMIN_KEY;
import static io.tekton.penia.it.support.PeniaClient.assertError;
import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real instances, A the leader and B a follower whose {@link LeaderView} points at A (issue 23):
 * every API request to B is served by A's engine and ledger, MCP sessions (with their SSE answers)
 * and WebSockets through B are A's, and B without a leader answers 503 with Retry-After.
 */
class FollowerForwardingTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Map<String, String> ENV = Map.of("PENIA_ADMIN_KEY", ADMIN_KEY);
    static TestServer a;
    static TestServer b;
    static LeaderView.Settable view;
    static PeniaClient leader;
    static PeniaClient follower;

    @BeforeAll
    static void up() {
        a = TestServer.start(ENV);
        view = LeaderView.settable();
        view.follow(URI.create(a.base()));
        b = TestServer.start(ENV, view);
        leader = new PeniaClient(a, ADMIN_KEY);
        follower = new PeniaClient(b, ADMIN_KEY);
    }

    @AfterAll
    static void down() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void budgetAndRecord_postedToFollower_areInLeadersLedger_andReadBackThroughFollower() {
        String c = uniq("fwd-record");
        String id = follower.componentBudget(c, Map.of("monthly", "10"));
        assertThat(leader.budget(id).get("name").asText()).isEqualTo("budget of " + c);

        JsonNode rec = follower.record(c, "0.25");
        assertThat(rec.get("component").asText()).isEqualTo(c);
        assertThat(leader.ledgerSum(c)).isEqualByComparingTo("0.25");
        assertThat(follower.ledgerSum(c)).isEqualByComparingTo("0.25");
        assertThat(follower.rows(c)).hasSize(1);
        assertUsd(follower.period(id, "monthly").get("spent"), "0.25");
        JsonNode cluster = b.get("/health").get("cluster");
        assertThat(cluster.get("role").asText()).isEqualTo("follower");
        assertThat(cluster.get("leader").asText()).isEqualTo(a.base());
        assertThat(a.get("/health").get("cluster").get("role").asText()).isEqualTo("leader");
        // The follower's own engine never saw it: the leader's engine booked it.
        assertThat(b.server().engine().statuses()).noneMatch(s -> s.budget().budgetId().equals(id));
    }

    @Test
    void checkWithReserve_throughFollower_holdsOnLeader() {
        String c = uniq("fwd-hold");
        String id = leader.componentBudget(c, Map.of("monthly", "5"));
        JsonNode check = follower.check(Map.of("component", c, "estimated_cost", new BigDecimal("0.5"), "reserve", true));
        assertThat(check.get("decision").asText()).as(check.toString()).isEqualTo("allow");
        assertUsd(leader.period(id, "monthly").get("reserved"), "0.5");
        assertUsd(follower.period(id, "monthly").get("reserved"), "0.5");
    }

    @Test
    void errors_fromLeader_passThroughFollower_withTheirStatusAndEnvelope() {
        assertError(follower.get("/api/v1/budgets/no-such-budget"), 404, "not_found");
        assertError(PeniaClient.of(b).get("/api/v1/budgets"), 401, "unauthorized");
    }

    @Test
    void followersOwnPage_isServedThroughIt_withCorsHeaders_thoughTheLeaderLivesElsewhere() throws Exception {
        // The dashboard on B calls B's API with B's origin; A would refuse that origin (another port),
        // so B judges it and the leader never sees it.
        String own = "http://127.0.0.1:" + b.port();
        TestServer.Resp r = b.send(HttpRequest.newBuilder(URI.create(b.base() + "/api/v1/budgets"))
                .header("Origin", own).header("X-API-Key", ADMIN_KEY).GET());
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.http().headers().firstValue("Access-Control-Allow-Origin")).hasValue(own);
        TestServer.Resp foreign = b.send(HttpRequest.newBuilder(URI.create(b.base() + "/api/v1/budgets"))
                .header("Origin", "http://evil.example").header("X-API-Key", ADMIN_KEY).GET());
        assertError(foreign, 403, "forbidden");
    }

    @Test
    void mcpSession_throughFollower_listsAndCallsTools_overSse() {
        String c = uniq("fwd-mcp");
        String id = leader.componentBudget(c, Map.of("monthly", "5"));
        McpSyncClient mcp = b.mcpClient(ADMIN_KEY);
        try {
            assertThat(mcp.listTools().tools()).extracting(McpSchema.Tool::name).contains("check_budget");
            McpSchema.CallToolResult r = mcp.callTool(new McpSchema.CallToolRequest("check_budget",
                    Map.of("component", c, "estimated_cost", 0.3, "reserve", true)));
            assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
            JsonNode check = Json.mapper().valueToTree(r.structuredContent());
            assertThat(check.get("decision").asText()).isEqualTo("allow");
            assertUsd(leader.period(id, "monthly").get("reserved"), "0.3");
        } finally {
            mcp.closeGracefully();
        }
    }

    @Test
    void mcpListeningStream_throughFollower_isAnEventStream_thatArrivesUnbuffered() throws Exception {
        HttpResponse<String> init = HTTP.send(mcpRequest(null).POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"fwd-test\",\"version\":\"1\"}}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> ack = HTTP.send(mcpRequest(session).POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(202);

        HttpResponse<InputStream> stream = HTTP.sendAsync(mcpRequest(session).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
        try (InputStream in = stream.body()) {
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            // The stream's opening (a comment) comes through while the stream stays open.
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.read();
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            });
            assertThat(first.get(5, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void webSocketOnFollower_receivesBudgetUpdate_causedByRecordOnLeader() {
        String c = uniq("fwd-ws");
        String id = leader.componentBudget(c, Map.of("monthly", "10"));
        try (Socket ws = Socket.open(b, ADMIN_KEY, false)) {
            ws.subscribe("budget_updates", "usage");
            leader.record(c, "0.4");
            JsonNode update = ws.await(m -> m.path("type").asText().equals("budget_update")
                    && m.path("data").path("budget_id").asText().equals(id)
                    && m.path("data").path("monthly").path("spent").decimalValue().compareTo(new BigDecimal("0.4")) == 0);
            assertUsd(update.get("data").get("monthly").get("limit"), "10");
            ws.await(m -> m.path("type").asText().equals("usage") && m.path("data").path("component").asText().equals(c));
        }
    }

    @Test
    void revokingKeyOnLeader_closesRelayedSocketOnFollower_with1008() {
        String c = uniq("fwd-revoke");
        String secret = leader.secret("component", c);
        try (Socket byHeader = Socket.open(b, secret, false); Socket byQuery = Socket.open(b, secret, true)) {
            byHeader.subscribe("usage");
            byQuery.subscribe("usage");
            String keyId = secret.substring(3, secret.indexOf('_', 3));
            leader.expect(200, "POST", "/api/v1/keys/" + keyId + "/revoke", null);
            await().atMost(Duration.ofSeconds(2)).until(() -> byHeader.closeCode != null && byQuery.closeCode != null);
            assertThat(byHeader.closeCode).isEqualTo(1008);
            assertThat(byQuery.closeCode).isEqualTo(1008);
            assertThat(byHeader.closeReason).contains("revoked");
        }
        // The leader refuses the revoked key at the upgrade, and so does the follower, with its status.
        assertThat(handshakeStatus(() -> Socket.open(b, secret, false))).isEqualTo(401);
    }

    @Test
    void leaderChange_closesRelayedSockets_with1012_andNoLeaderMeans503() {
        try (Socket ws = Socket.open(b, ADMIN_KEY, false)) {
            ws.subscribe("usage");
            view.unknown();
            try {
                await().atMost(Duration.ofSeconds(2)).until(() -> ws.closeCode != null);
                assertThat(ws.closeCode).isEqualTo(1012);
                TestServer.Resp r = follower.get("/api/v1/budgets");
                assertError(r, 503, "unavailable");
                assertThat(r.http().headers().firstValue("Retry-After")).hasValue("1");
            } finally {
                view.follow(URI.create(a.base()));
            }
        }
        assertThat(follower.get("/api/v1/budgets").status()).isEqualTo(200);
    }

    @Test
    void leaderStopped_followerAnswers503_withRetryAfterAndEnvelope_andStaysLocal() {
        TestServer gone = TestServer.start(ENV);
        LeaderView.Settable v = LeaderView.settable();
        v.follow(URI.create(gone.base()));
        try (TestServer lone = TestServer.start(ENV, v)) {
            PeniaClient p = new PeniaClient(lone, ADMIN_KEY);
            assertThat(p.get("/api/v1/budgets").status()).isEqualTo(200);
            gone.close();

            TestServer.Resp r = p.post("/api/v1/usage/record", PeniaClient.usage("x", "openai", "gpt-4o", 1, 1, "0.01"));
            assertError(r, 503, "unavailable");
            assertThat(r.http().headers().firstValue("Retry-After")).hasValue("1");
            assertError(p.get("/api/v1/budgets"), 503, "unavailable");
            // What describes this instance is still answered here.
            assertThat(p.get("/health").status()).isIn(200, 503);
            assertThat(p.get("/health").body().has("status")).isTrue();
            assertThat(handshakeStatus(() -> Socket.open(lone, ADMIN_KEY, false))).isEqualTo(503);
        } finally {
            gone.close();
        }
    }

    @Test
    void requestForwardedToAnotherFollower_isNotForwardedAgain_but503() {
        // C believes B leads while B follows A (views in flux during a takeover): B must not pass it on.
        LeaderView.Settable v = LeaderView.settable();
        v.follow(URI.create(b.base()));
        try (TestServer c = TestServer.start(ENV, v)) {
            TestServer.Resp r = new PeniaClient(c, ADMIN_KEY).get("/api/v1/budgets");
            assertError(r, 503, "unavailable");
            assertThat(r.get("error").get("message").asText()).contains("does not lead");
            assertThat(r.http().headers().firstValue("Retry-After")).hasValue("1");
            assertThat(handshakeStatus(() -> Socket.open(c, ADMIN_KEY, false))).isEqualTo(503);
        }
    }

    @Test
    void leaderThatStopsLeading_closesItsWebSocketsWith1012_andForwardsFromThenOn() {
        LeaderView.Settable v = LeaderView.settable();
        v.lead();
        try (TestServer x = TestServer.start(ENV, v)) {
            PeniaClient px = new PeniaClient(x, ADMIN_KEY);
            String c = uniq("fwd-demoted");
            String own = px.componentBudget(c, Map.of("monthly", "1"));
            try (Socket ws = Socket.open(x, ADMIN_KEY, false)) {
                ws.subscribe("usage");
                v.follow(URI.create(a.base()));
                await().atMost(Duration.ofSeconds(2)).until(() -> ws.closeCode != null);
                assertThat(ws.closeCode).isEqualTo(1012);
            }
            // Now served by A: X's own budget is not there, A's budgets are.
            assertError(px.get("/api/v1/budgets/" + own), 404, "not_found");
            String onA = leader.componentBudget(uniq("fwd-demoted-a"), Map.of("monthly", "1"));
            assertThat(px.budget(onA).get("budget_id").asText()).isEqualTo(onA);
            assertThat(x.get("/health").get("cluster").get("role").asText()).isEqualTo("follower");
        }
    }

    @Test
    void twoMegabyteBody_getsTheSame413_onFollowerAsOnLeader() {
        String big = "{\"component\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        TestServer.Resp onLeader = leader.post("/api/v1/usage/record", big);
        TestServer.Resp onFollower = follower.post("/api/v1/usage/record", big);
        JsonNode le = assertError(onLeader, 413, "payload_too_large");
        JsonNode fe = assertError(onFollower, 413, "payload_too_large");
        assertThat(fe.get("message").asText()).isEqualTo(le.get("message").asText());
        assertThat(fe.get("details")).isEqualTo(le.get("details"));
        // Sent chunked (no Content-Length): cut off at the same limit while streaming.
        byte[] bytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TestServer.Resp chunked = b.send(HttpRequest.newBuilder(URI.create(b.base() + "/api/v1/usage/record"))
                .header("Content-Type", "application/json").header("X-API-Key", ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))));
        assertError(chunked, 413, "payload_too_large");
        assertThat(follower.get("/api/v1/budgets").status()).isEqualTo(200);
    }

    // ---- helpers -----------------------------------------------------------------------

    private static HttpRequest.Builder mcpRequest(String session) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.base() + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("X-API-Key", ADMIN_KEY);
        return session == null ? r : r.header("Mcp-Session-Id", session);
    }

    /** The HTTP status that refused a WebSocket upgrade. */
    private static int handshakeStatus(Runnable connect) {
        try {
            connect.run();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException h) {
                    return h.getResponse().statusCode();
                }
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }

    /** The JDK's WebSocket client keeping the JSON messages and the close it got. */
    static final class Socket extends JsonSocketListener implements AutoCloseable {
        WebSocket ws;

        static Socket open(TestServer t, String key, boolean inQuery) {
            Socket s = new Socket();
            // A client of its own: a refused upgrade's connection must not be pooled for later requests.
            WebSocket.Builder wb = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            if (!inQuery) {
                wb.header("X-API-Key", key);
            }
            URI uri = URI.create("ws://127.0.0.1:" + t.port() + "/ws" + (inQuery ? "?api_key=" + key : ""));
            try {
                s.ws = wb.buildAsync(uri, s).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot connect to " + uri, e.getCause());
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("cannot connect to " + uri + ": " + e, e);
            }
            return s;
        }

        void subscribe(String... channels) {
            ws.sendText("{\"type\":\"subscribe\",\"channels\":[\"" + String.join("\",\"", channels) + "\"]}", true).join();
            await(m -> m.path("type").asText().equals("subscribed") && m.get("channels").size() >= channels.length);
        }

        JsonNode await(Predicate<JsonNode> p) {
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> received.stream().anyMatch(p));
            return received.stream().filter(p).findFirst().orElseThrow();
        }

        @Override
        public void close() {
            if (ws != null && !ws.isOutputClosed()) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
