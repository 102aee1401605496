package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.PeniaServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.tekton.penia.it.tekton.Tekton.panelGet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tekton's health and discovery conventions (shared/api/endpoints.py of Tekton, served by every
 * component): {@code GET /ready} and {@code GET /api/v1/discovery}, asked without a key the way
 * Tekton's launcher and other components ask them.
 */
@PeniaServerTest(env = "PENIA_ADMIN_KEY=tekton-discovery-admin-key")
class TektonDiscoveryTest {
    static TestServer t;

    @Test
    void ready_answersReadyWithVersionUptimeAndChecks_withoutAKey() {
        TestServer.Resp r = panelGet(t, "/ready");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("ready").asBoolean()).isTrue();
        assertThat(r.get("component").asText()).isEqualTo("penia");
        assertThat(r.get("version").asText()).isEqualTo(PeniaServer.VERSION);
        assertThat(r.get("uptime").isNumber()).isTrue();
        assertThat(r.get("checks").get("database").asBoolean()).isTrue();
        assertThat(r.get("checks").get("engine").asBoolean()).isTrue();
    }

    @Test
    void discovery_namesTheComponent_itsEndpoints_capabilitiesAndMcpTools() {
        TestServer.Resp r = panelGet(t, "/api/v1/discovery");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("name").asText()).isEqualTo("penia");
        assertThat(r.get("component").asText()).isEqualTo("penia");
        assertThat(r.get("version").asText()).isEqualTo(PeniaServer.VERSION);
        assertThat(r.get("description").asText()).isNotBlank();
        List<String> paths = new ArrayList<>();
        for (JsonNode e : r.get("endpoints")) {
            assertThat(e.get("method").asText()).isNotBlank();
            assertThat(e.get("description").asText()).isNotBlank();
            paths.add(e.get("path").asText());
        }
        assertThat(paths).contains("/api/v1/budgets", "/api/v1/usage/record", "/api/v1/usage/records",
                "/api/v1/budget-alerts/unified/check-operation", "/health", "/ready", "/ws", "/mcp");
        List<String> caps = new ArrayList<>();
        r.get("capabilities").forEach(c -> caps.add(c.asText()));
        assertThat(caps).contains("budget_management", "usage_tracking", "cost_tracking", "budget_allocation");
        List<String> tools = new ArrayList<>();
        r.get("mcp_tools").forEach(c -> tools.add(c.get("name").asText()));
        assertThat(tools).contains("check_budget", "record_usage", "get_usage_summary", "recommend_models",
                "set_alerts", "list_budgets", "get_budget_status");
        assertThat(r.get("metadata").get("mcp_endpoint").asText()).isEqualTo("/mcp");
        // Registration is off in this server (PENIA_HERMES=off): no Hermes to depend on.
        assertThat(r.get("dependencies").isObject()).isTrue();
        assertThat(r.get("dependencies").has("hermes")).isFalse();
    }

    /**
     * While Penia starts, {@code /ready} answers either 503 with {@code ready:false} and its checks,
     * or (once the engine runs) 200; after {@code start} has returned, 200.
     */
    @Test
    void ready_whileStarting_isA503WithItsChecks_thenReady() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("penia-ready");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        List<String> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean started = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        Thread poller = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                boolean before = !started.get();
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    answers.add((before ? "before " : "after ") + r.statusCode() + " " + r.body());
                } catch (IOException e) {
                    // Not listening yet: try again shortly (a pause between polls, not a wait for an event).
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Map<String, String> env = new HashMap<>(Map.of("PENIA_PORT", String.valueOf(port),
                "PENIA_DB", dir.resolve("penia.db").toString(), "PENIA_HERMES", "off"));
        PeniaServer server = PeniaServer.start(io.tekton.penia.server.config.ConfigLoader.load(
                Path.of(TestServer.repoRoot(), "config", "penia.yaml"), env));
        try {
            started.set(true);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> answers.stream().anyMatch(a -> a.startsWith("after 200")));
        } finally {
            stop.set(true);
            poller.join(5000);
            server.close();
        }
        for (String a : answers) {
            if (!a.contains(" 200 ")) {
                assertThat(a).contains(" 503 ").contains("\"ready\":false").contains("\"checks\"");
            }
        }
    }
}
