package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Penia started the way Tekton starts its components: Tekton's environment names Hermes by
 * {@code TEKTON_HOST} and {@code HERMES_PORT} (8001 in its .env.local.example), not by
 * {@code HERMES_URL}. Penia finds Hermes from them and registers with the capabilities
 * Tekton's components look for.
 */
class TektonEnvTest {

    /** A Hermes that answers registration and records each call's path and body. */
    static final class Hermes implements AutoCloseable {
        final HttpServer http;
        final List<JsonNode> registrations = new CopyOnWriteArrayList<>();

        Hermes() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/api/", ex -> {
                byte[] in = ex.getRequestBody().readAllBytes();
                String path = ex.getRequestURI().getPath();
                String reply = "{\"success\":true,\"message\":\"ok\"}";
                if (path.equals("/api/register")) {
                    registrations.add(Json.mapper().readTree(in));
                    reply = "{\"success\":true,\"component_id\":\"penia-tekton\",\"token\":\"tok\",\"message\":\"ok\"}";
                } else if (path.equals("/api/mcp/v2/tools") && ex.getRequestMethod().equals("POST")) {
                    reply = "{\"success\":true,\"tool_id\":\"" + Json.mapper().readTree(in).get("name").asText() + "\"}";
                }
                byte[] out = reply.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
                ex.close();
            });
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    @Test
    void hermesFoundFromTektonHostAndHermesPort_registersWithBudgetManagementAndUsageTracking() throws IOException {
        try (Hermes hermes = new Hermes();
             TestServer t = TestServer.start(Map.of("PENIA_HERMES", "on", "TEKTON_HOST", "127.0.0.1",
                     "HERMES_PORT", String.valueOf(hermes.port())))) {
            assertThat(t.server().config().hermes().url().toString()).isEqualTo("http://127.0.0.1:" + hermes.port());
            await().atMost(Duration.ofSeconds(10)).until(() -> !hermes.registrations.isEmpty());
            JsonNode reg = hermes.registrations.get(0);
            assertThat(reg.get("name").asText()).isEqualTo("penia");
            List<String> caps = new ArrayList<>();
            reg.get("capabilities").forEach(c -> caps.add(c.asText()));
            assertThat(caps).contains("budget_management", "usage_tracking", "cost_tracking");
            await().atMost(Duration.ofSeconds(10)).until(() -> t.get("/health").get("hermes").get("registered").asBoolean());
            assertThat(t.get("/api/v1/discovery").get("dependencies").get("hermes").asText())
                    .isEqualTo("http://127.0.0.1:" + hermes.port());
        }
    }

    /** Tekton names this component's port BUDGET_PORT (8013 in its env template): taken when PENIA_PORT is unset. */
    @Test
    void budgetPort_isTheListeningPort_whenPeniaPortIsUnset() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        java.util.Map<String, String> env = new java.util.HashMap<>(Map.of("BUDGET_PORT", String.valueOf(port)));
        // TestServer sets PENIA_PORT=0; an empty PENIA_PORT counts as unset, as every PENIA_* variable does.
        env.put("PENIA_PORT", "");
        try (TestServer t = TestServer.start(env)) {
            assertThat(t.port()).isEqualTo(port);
            assertThat(t.get("/ready").status()).isEqualTo(200);
        }
    }
}
