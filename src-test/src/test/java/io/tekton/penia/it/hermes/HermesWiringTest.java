package io.tekton.penia.it.hermes;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real Penia against a Hermes-shaped HTTP server: it registers itself and its tools,
 * the registered tool endpoints really execute, /health shows the state, and shutdown
 * unregisters and deletes the tools.
 */
class HermesWiringTest {
    record Call(String method, String path, String query, String token, JsonNode body) {
    }

    static final class MiniHermes implements AutoCloseable {
        final HttpServer http;
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final Map<String, JsonNode> tools = new ConcurrentHashMap<>();

        MiniHermes() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/api/", this::handle);
            http.start();
        }

        String url() {
            return "http://127.0.0.1:" + http.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            byte[] in = ex.getRequestBody().readAllBytes();
            JsonNode body = in.length == 0 ? null : Json.mapper().readTree(in);
            String path = ex.getRequestURI().getPath();
            calls.add(new Call(ex.getRequestMethod(), path, ex.getRequestURI().getQuery(),
                    ex.getRequestHeaders().getFirst("X-Authentication-Token"), body));
            String reply;
            if (path.equals("/api/register")) {
                reply = "{\"success\":true,\"componentId\":\"budget-penia-1234\",\"token\":\"tok-1\",\"message\":\"ok\"}";
            } else if (path.equals("/api/mcp/v2/tools") && ex.getRequestMethod().equals("POST")) {
                String id = body.has("id") ? body.get("id").asText() : body.get("name").asText();
                tools.put(id, body);
                reply = "{\"success\":true,\"toolId\":\"" + id + "\",\"message\":\"ok\"}";
            } else if (path.startsWith("/api/mcp/v2/tools/") && ex.getRequestMethod().equals("DELETE")) {
                tools.remove(path.substring("/api/mcp/v2/tools/".length()));
                reply = "{\"success\":true,\"message\":\"deleted\"}";
            } else {
                reply = "{\"success\":true,\"message\":\"ok\"}";
            }
            byte[] out = reply.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    @Test
    void penia_registersItselfAndItsTools_whoseEndpointsExecute_andUnregistersOnShutdown() throws Exception {
        try (MiniHermes hermes = new MiniHermes()) {
            TestServer t = TestServer.start(Map.of("PENIA_HERMES", "on", "HERMES_URL", hermes.url()));
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> hermes.tools.size() == 7);
                Call reg = hermes.calls.stream().filter(c -> c.path().equals("/api/register")).findFirst().orElseThrow();
                assertThat(reg.body().get("name").asText()).isEqualTo("penia");
                assertThat(reg.body().get("type").asText()).isEqualTo("budget");
                assertThat(reg.body().get("endpoint").asText()).endsWith(":" + t.port());
                JsonNode meta = reg.body().get("metadata");
                assertThat(meta.get("websocket_endpoint").asText()).isEqualTo("/ws");
                assertThat(meta.get("mcp_endpoint").asText()).isEqualTo("/mcp");
                assertThat(meta.get("api_base").asText()).isEqualTo("/api/v1");
                assertThat(meta.get("assistant_context").get("name").asText()).isEqualTo("budget_management");
                JsonNode health = t.get("/health").get("hermes");
                assertThat(health.get("registered").asBoolean()).isTrue();
                assertThat(health.get("component_id").asText()).isEqualTo("budget-penia-1234");

                JsonNode rec = hermes.tools.values().stream().filter(x -> x.get("name").asText().equals("penia_record_usage"))
                        .findFirst().orElseThrow();
                String endpoint = rec.get("endpoint").asText();
                assertThat(endpoint).isEqualTo(t.base().replace("127.0.0.1", "127.0.0.1") + "/api/tools/record_usage/execute");
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"component\":\"via-hermes\",\"provider\":\"openai\","
                                + "\"model\":\"gpt-4o\",\"input_tokens\":5,\"output_tokens\":5,\"cost\":0.42}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(t.post("/api/v1/usage/summary", Map.of("component", "via-hermes")).get("total_cost")
                        .decimalValue()).isEqualByComparingTo("0.42");
            } finally {
                t.close();
            }
            assertThat(hermes.calls).anyMatch(c -> c.path().equals("/api/unregister")
                    && c.query() != null && c.query().contains("component_id=budget-penia-1234") && "tok-1".equals(c.token()));
            assertThat(hermes.tools).isEmpty();
        }
    }

    @Test
    void hermesDown_doesNotDelayReadiness() {
        long t0 = System.nanoTime();
        TestServer t = TestServer.start(Map.of("PENIA_HERMES", "on", "HERMES_URL", "http://127.0.0.1:9"));
        try {
            assertThat(t.get("/health").status()).isEqualTo(200);
            assertThat(t.get("/health").get("hermes").get("registered").asBoolean()).isFalse();
            System.out.printf("ready with Hermes down in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        } finally {
            t.close();
        }
    }
}
