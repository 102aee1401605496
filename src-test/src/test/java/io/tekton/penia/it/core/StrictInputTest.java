package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.it.ws.WebSocketTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input that is ambiguous or out of range is refused alike on every way in (REST, WebSocket,
 * MCP): duplicate JSON keys, timestamps outside the configured back-dating window.
 */
@PeniaServerTest(env = "PENIA_MAX_BACKDATE_DAYS=" + StrictInputTest.BACKDATE_DAYS)
class StrictInputTest {
    static final int BACKDATE_DAYS = 30;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static TestServer t;

    static String usage(String component, String extra) {
        return "{\"component\":\"" + component + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"input_tokens\":10,\"output_tokens\":5,\"cost\":0.1" + extra + "}";
    }

    static String ts(long daysAgo) {
        return Instant.now().minus(daysAgo, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    @Test
    void backdateWindow_isConfigurable_insideIsLedgered_outsideIsInvalid() {
        String c = uniq("backdate");
        TestServer.Resp inside = t.postRaw("/api/v1/usage/record", usage(c, ",\"timestamp\":\"" + ts(BACKDATE_DAYS - 1)
                + "\""));
        assertThat(inside.status()).as(inside.raw()).isEqualTo(201);
        JsonNode e = assertError(t.postRaw("/api/v1/usage/record", usage(c, ",\"timestamp\":\"" + ts(BACKDATE_DAYS + 1)
                + "\"")), 400, "invalid_argument");
        assertThat(e.get("details").get("field").asText()).isEqualTo("timestamp");
        assertThat(e.get("message").asText()).contains(BACKDATE_DAYS + " days");
        assertThat(Ledger.rows(t, c)).hasSize(1);
    }

    @Test
    void namesWithSurrogatePairs_areKeptExactly() {
        String c = uniq("emoji") + "-\uD83D\uDE00";
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", c, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", 0.1));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        assertThat(r.get("component").asText()).isEqualTo(c);
        List<JsonNode> rows = Ledger.rows(t, c);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("component").asText()).isEqualTo(c);
    }

    @Test
    void webSocket_duplicateKeys_areBadJson_andChangeNothing() {
        try (WebSocketTest.Client ws = WebSocketTest.Client.connect(URI.create("ws://127.0.0.1:" + t.port() + "/ws"),
                null)) {
            ws.send("{\"type\":\"subscribe\",\"channels\":[\"alerts\"],\"channels\":[\"usage\"]}");
            JsonNode error = ws.await(m -> m.path("type").asText().equals("error")).get("error");
            assertThat(error.get("code").asText()).isEqualTo("bad_json");
            assertThat(error.get("message").asText()).contains("channels");
            // Nothing was subscribed: an empty subscribe lists no channel.
            ws.send("{\"type\":\"subscribe\",\"channels\":[]}");
            assertThat(ws.await(m -> m.path("type").asText().equals("subscribed")).get("channels")).isEmpty();
        }
    }

    @Test
    void mcp_duplicateKeysInToolArguments_are400_andNotLedgered() throws Exception {
        String c = uniq("mcp-dup");
        String session = mcpInitialize();
        String call = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"record_usage\","
                + "\"arguments\":" + usage(c, ",\"cost\":5") + "}}";
        HttpResponse<String> r = mcpPost(call, session);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.at("/error/code").asInt()).isEqualTo(-32700);
        assertThat(body.at("/error/data/code").asText()).isEqualTo("bad_json");
        assertThat(body.at("/error/message").asText()).contains("cost");
        // The same call without the duplicate is recorded once, at the one cost it names.
        HttpResponse<String> ok = mcpPost(call.replace(",\"cost\":5", ""), session);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        List<JsonNode> rows = Ledger.rows(t, c);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("cost").decimalValue()).isEqualByComparingTo("0.1");
    }

    /** Tool arguments are read by the same strict reader as REST bodies: a NUL in a name is refused. */
    @Test
    void mcp_nulOrLoneSurrogateInToolArguments_isAnInvalidArgumentResult_andNotLedgered() throws Exception {
        String session = mcpInitialize();
        int ledgerBefore = Ledger.rows(t, "", 1000).size();
        for (String bad : List.of("\\u0000", "\\ud800")) {
            String c = uniq("mcp-nul");
            HttpResponse<String> r = mcpPost("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
                    + "{\"name\":\"record_usage\",\"arguments\":" + usage(c + bad, "") + "}}", session);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).as(bad).contains("\"isError\":true").contains("invalid_argument");
        }
        assertThat(Ledger.rows(t, "", 1000)).as("ledger rows").hasSize(ledgerBefore);
    }

    static String mcpInitialize() throws Exception {
        HttpResponse<String> init = mcpPost("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
                null);
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> initialized = mcpPost("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                session);
        assertThat(initialized.statusCode()).isEqualTo(202);
        return session;
    }

    static HttpResponse<String> mcpPost(String body, String session) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base() + "/mcp")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
