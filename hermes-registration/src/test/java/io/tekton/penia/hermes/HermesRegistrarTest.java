package io.tekton.penia.hermes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HermesRegistrarTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private static final HermesTool USAGE = new HermesTool("get_usage_summary", "Usage and cost for a period",
            Map.of("type", "object", "properties", Map.of("period", Map.of("type", "string"))),
            List.of("budget", "usage"), Map.of("read_only", true));
    private static final HermesTool RECOMMEND = HermesTool.of("recommend_models", "Cheaper models for a task",
            Map.of("type", "object", "properties", Map.of("task", Map.of("type", "string")), "required", List.of("task")));

    private static HermesConfig.Builder config(URI hermes) {
        return HermesConfig.builder()
                .hermesUrl(hermes)
                .endpoint("127.0.0.1", 8123)
                .version("0.1.0")
                .metadata("assistant_context", Map.of("context", "budget_management"))
                .heartbeatInterval(INTERVAL)
                .requestTimeout(Duration.ofSeconds(1))
                .initialBackoff(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofSeconds(2));
    }

    private static HermesRegistrar registrar(HermesConfig config, Supplier<Map<String, Object>> status) {
        return new HermesRegistrar(config, List.of(USAGE, RECOMMEND), status);
    }

    private static HermesRegistrar registrar(HermesConfig config) {
        return registrar(config, Map::of);
    }

    private static void awaitRegistered(HermesRegistrar registrar, int tools) {
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(registrar.state().registered()).isTrue();
            assertThat(registrar.state().toolsRegistered()).isEqualTo(tools);
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void start_registersWithSpecPayload_thenEachToolUnderPrefixedName() throws IOException {
        try (FakeHermes hermes = FakeHermes.start(); HermesRegistrar registrar = registrar(config(hermes.url()).build())) {
            registrar.start();
            awaitRegistered(registrar, 2);

            List<FakeHermes.Request> registrations = hermes.requests("POST", "/api/register");
            assertThat(registrations).hasSize(1);
            JsonNode body = registrations.getFirst().body();
            assertThat(body.has("component_id")).as("first registration lets Hermes pick the id").isFalse();
            assertThat(body.path("name").asText()).isEqualTo("penia");
            assertThat(body.path("version").asText()).isEqualTo("0.1.0");
            assertThat(body.path("type").asText()).isEqualTo("budget");
            assertThat(body.path("endpoint").asText()).isEqualTo("http://127.0.0.1:8123");
            assertThat(body.path("capabilities").isArray()).isTrue();
            assertThat(body.path("capabilities").toString()).contains("cost_tracking")
                    .contains("\"budget_management\"").contains("\"usage_tracking\"");
            JsonNode metadata = body.path("metadata");
            assertThat(metadata.path("websocket_endpoint").asText()).isEqualTo("/ws");
            assertThat(metadata.path("mcp_endpoint").asText()).isEqualTo("/mcp");
            assertThat(metadata.path("api_base").asText()).isEqualTo("/api/v1");
            assertThat(metadata.path("assistant_context").path("context").asText()).isEqualTo("budget_management");

            // Read back through Hermes' side: the id it assigned is the one Penia reports.
            String componentId = registrations.getFirst().answer().path("componentId").asText();
            assertThat(componentId).startsWith("budget-penia-");
            assertThat(registrar.state().componentId()).isEqualTo(componentId);
            assertThat(hermes.components()).containsOnlyKeys(componentId);

            List<FakeHermes.Request> toolRegistrations = hermes.requests("POST", "/api/mcp/v2/tools");
            assertThat(toolRegistrations).hasSize(2).allMatch(r -> r.status() == 200);
            JsonNode usage = toolRegistrations.stream().map(FakeHermes.Request::body)
                    .filter(b -> b.path("name").asText().equals("penia_get_usage_summary")).findFirst().orElseThrow();
            assertThat(usage.path("endpoint").asText())
                    .isEqualTo("http://127.0.0.1:8123/api/tools/get_usage_summary/execute");
            assertThat(usage.path("description").asText()).isEqualTo("Usage and cost for a period");
            assertThat(usage.path("schema").path("type").asText()).isEqualTo("object");
            assertThat(usage.path("schema").path("properties").path("period").path("type").asText()).isEqualTo("string");
            assertThat(usage.path("tags").toString()).isEqualTo("[\"budget\",\"usage\"]");
            assertThat(usage.path("version").asText()).isEqualTo("0.1.0");
            assertThat(usage.path("metadata").path("read_only").asBoolean()).isTrue();
            assertThat(usage.path("metadata").path("component").asText()).isEqualTo("penia");
            assertThat(hermes.tools()).containsOnlyKeys("penia_get_usage_summary", "penia_recommend_models");
            assertThat(hermes.tools().get("penia_recommend_models").path("endpoint").asText())
                    .isEqualTo("http://127.0.0.1:8123/api/tools/recommend_models/execute");
        }
    }

    @Test
    void heartbeat_carriesTokenHeader_componentId_andLiveStatus() throws IOException {
        Supplier<Map<String, Object>> status = () -> Map.of("active_budgets", 3, "websocket_clients", 1);
        try (FakeHermes hermes = FakeHermes.start();
             HermesRegistrar registrar = registrar(config(hermes.url()).build(), status)) {
            registrar.start();
            await().atMost(PATIENCE).until(() -> hermes.requests("POST", "/api/heartbeat").size() >= 2);

            FakeHermes.Request registration = hermes.requests("POST", "/api/register").getFirst();
            String token = registration.answer().path("token").asText();
            String componentId = registration.answer().path("componentId").asText();
            assertThat(token).startsWith("{\"payload\": {\"component_id\": \"" + componentId + "\"");
            for (FakeHermes.Request heartbeat : hermes.requests("POST", "/api/heartbeat")) {
                assertThat(heartbeat.header("X-Authentication-Token")).isEqualTo(token);
                assertThat(heartbeat.body().path("component_id").asText()).isEqualTo(componentId);
                assertThat(heartbeat.body().path("status").path("health").asText()).isEqualTo("healthy");
                assertThat(heartbeat.body().path("status").path("active_budgets").asInt()).isEqualTo(3);
                assertThat(heartbeat.body().path("status").path("websocket_clients").asInt()).isEqualTo(1);
                assertThat(heartbeat.status()).isEqualTo(200);
            }
            assertThat(registrar.state().lastHeartbeat()).isNotNull();
            assertThat(registrar.state().lastError()).isNull();
            assertThat(hermes.requests("POST", "/api/register")).as("accepted heartbeats never re-register").hasSize(1);
        }
    }

    @Test
    void heartbeat_whenStatusSupplierThrows_stillSendsHealth() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        Supplier<Map<String, Object>> broken = () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("database gone");
        };
        try (FakeHermes hermes = FakeHermes.start(); HermesRegistrar registrar = registrar(config(hermes.url()).build(), broken)) {
            registrar.start();
            await().atMost(PATIENCE).until(() -> !hermes.requests("POST", "/api/heartbeat").isEmpty());

            FakeHermes.Request heartbeat = hermes.requests("POST", "/api/heartbeat").getFirst();
            assertThat(heartbeat.body().path("status").path("health").asText()).isEqualTo("healthy");
            assertThat(heartbeat.status()).isEqualTo(200);
            assertThat(calls.get()).isPositive();
        }
    }

    @Test
    void close_unregistersWithQueryIdAndToken_andDeletesEveryTool() throws IOException {
        try (FakeHermes hermes = FakeHermes.start()) {
            HermesRegistrar registrar = registrar(config(hermes.url()).build());
            registrar.start();
            awaitRegistered(registrar, 2);
            FakeHermes.Request registration = hermes.requests("POST", "/api/register").getFirst();
            String componentId = registration.answer().path("componentId").asText();

            long startNanos = System.nanoTime();
            registrar.close();
            Duration took = Duration.ofNanos(System.nanoTime() - startNanos);

            assertThat(took).isLessThan(Duration.ofSeconds(3));
            List<FakeHermes.Request> unregisters = hermes.requests("POST", "/api/unregister");
            assertThat(unregisters).hasSize(1);
            assertThat(unregisters.getFirst().query()).containsEntry("component_id", componentId);
            assertThat(unregisters.getFirst().header("X-Authentication-Token"))
                    .isEqualTo(registration.answer().path("token").asText());
            assertThat(unregisters.getFirst().status()).isEqualTo(200);
            assertThat(hermes.requestsUnder("DELETE", "/api/mcp/v2/tools/"))
                    .extracting(FakeHermes.Request::path)
                    .containsExactlyInAnyOrder("/api/mcp/v2/tools/penia_get_usage_summary",
                            "/api/mcp/v2/tools/penia_recommend_models");
            assertThat(hermes.requestsUnder("DELETE", "/api/mcp/v2/tools/")).allMatch(r -> r.status() == 200);
            // Hermes' side is empty again.
            assertThat(hermes.components()).isEmpty();
            assertThat(hermes.tools()).isEmpty();
            assertThat(registrar.state().registered()).isFalse();
            assertThat(registrar.state().toolsRegistered()).isZero();
        }
    }

    @Test
    void start_whileHermesDown_returnsAtOnce_andRegistersOnceHermesComesUp() throws IOException {
        int port = freePort();
        try (HermesRegistrar registrar = registrar(config(URI.create("http://127.0.0.1:" + port)).build())) {
            long startNanos = System.nanoTime();
            registrar.start();
            assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(Duration.ofSeconds(2));
            assertThat(registrar.state().registered()).isFalse();
            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(registrar.state().lastError()).contains("unreachable"));

            try (FakeHermes hermes = FakeHermes.start(port)) {
                awaitRegistered(registrar, 2);
                assertThat(hermes.components()).containsOnlyKeys(registrar.state().componentId());
                assertThat(hermes.tools()).hasSize(2);
                assertThat(registrar.state().lastError()).isNull();
            }
        }
    }

    @Test
    void heartbeatRefused_afterHermesRestart_registersAgainWithinOneHeartbeat() throws IOException {
        try (FakeHermes hermes = FakeHermes.start(); HermesRegistrar registrar = registrar(config(hermes.url()).build())) {
            registrar.start();
            awaitRegistered(registrar, 2);
            String componentId = registrar.state().componentId();

            hermes.restart();
            assertThat(hermes.components()).isEmpty();

            // One interval until the refused heartbeat, then registration at once. Timing on a loaded
            // machine varies, so "within one heartbeat" is asserted by counting: exactly one refusal.
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(hermes.components()).containsOnlyKeys(componentId);
                assertThat(hermes.tools()).containsOnlyKeys("penia_get_usage_summary", "penia_recommend_models");
            });
            List<FakeHermes.Request> heartbeats = hermes.requests("POST", "/api/heartbeat");
            assertThat(heartbeats).filteredOn(r -> r.status() == 401).hasSize(1);
            List<FakeHermes.Request> registrations = hermes.requests("POST", "/api/register");
            assertThat(registrations).hasSize(2);
            assertThat(registrations.get(1).body().path("component_id").asText())
                    .as("re-registration keeps the id, so Hermes holds one Penia").isEqualTo(componentId);
            // The new token is the one used from now on.
            String newToken = registrations.get(1).answer().path("token").asText();
            await().atMost(PATIENCE).until(() -> hermes.requests("POST", "/api/heartbeat").stream()
                    .anyMatch(r -> r.status() == 200 && newToken.equals(r.header("X-Authentication-Token"))));
            assertThat(registrar.state().registered()).isTrue();
            assertThat(registrar.state().componentId()).isEqualTo(componentId);
        }
    }

    @Test
    void hermesDownMidRun_thenBackEmpty_registersAgainWithSameId() throws IOException {
        FakeHermes first = FakeHermes.start();
        int port = first.port();
        try (HermesRegistrar registrar = registrar(config(first.url()).build())) {
            registrar.start();
            awaitRegistered(registrar, 2);
            String componentId = registrar.state().componentId();

            first.close();
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(registrar.state().registered()).isFalse();
                assertThat(registrar.state().lastError()).contains("unreachable");
            });

            try (FakeHermes second = FakeHermes.start(port)) {
                awaitRegistered(registrar, 2);
                assertThat(second.components()).containsOnlyKeys(componentId);
                assertThat(second.tools()).hasSize(2);
                // After an outage Penia registers rather than heartbeating into a Hermes that forgot it.
                assertThat(second.requests().getFirst().path()).isEqualTo("/api/register");
            }
        } finally {
            first.close();
        }
    }

    @Test
    void snakeCaseAnswers_areUnderstoodToo() throws IOException {
        try (FakeHermes hermes = FakeHermes.start().snakeCase(true);
             HermesRegistrar registrar = registrar(config(hermes.url()).build())) {
            registrar.start();
            awaitRegistered(registrar, 2);

            String componentId = hermes.requests("POST", "/api/register").getFirst().answer().path("component_id").asText();
            assertThat(registrar.state().componentId()).isEqualTo(componentId);
            await().atMost(PATIENCE).until(() -> hermes.requests("POST", "/api/heartbeat").stream()
                    .anyMatch(r -> r.status() == 200));
        }
    }

    @Test
    void close_whenHermesStopsAnswering_returnsWithinShutdownBudget() throws IOException {
        try (FakeHermes hermes = FakeHermes.start()) {
            HermesRegistrar registrar = registrar(config(hermes.url()).shutdownTimeout(Duration.ofSeconds(1)).build());
            registrar.start();
            awaitRegistered(registrar, 2);

            hermes.hang(true);
            long startNanos = System.nanoTime();
            registrar.close();
            Duration took = Duration.ofNanos(System.nanoTime() - startNanos);

            // Bounded by the shutdown budget (1 s) plus slack for a loaded machine, not by Hermes.
            assertThat(took).isLessThan(Duration.ofSeconds(3));
            assertThat(registrar.state().registered()).isFalse();
        }
    }

    @Test
    void start_whenHermesHangs_returnsAtOnce() throws IOException {
        try (FakeHermes hermes = FakeHermes.start().hang(true);
             HermesRegistrar registrar = registrar(config(hermes.url()).requestTimeout(Duration.ofSeconds(3)).build())) {
            long startNanos = System.nanoTime();
            registrar.start();
            // Well under the 3 s request timeout a blocking start would wait for.
            assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(Duration.ofSeconds(2));
            await().atMost(PATIENCE.plusSeconds(3)).untilAsserted(() ->
                    assertThat(registrar.state().lastError()).contains("timed out after 3000ms"));
            assertThat(registrar.state().registered()).isFalse();
        }
    }

    @Test
    void disabled_startDoesNothing() throws IOException {
        try (FakeHermes hermes = FakeHermes.start();
             HermesRegistrar registrar = registrar(config(hermes.url()).enabled(false).build())) {
            registrar.start();

            assertThat(registrar.state()).isEqualTo(new HermesState(false, null, null, null, 0));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                    .until(() -> hermes.requests().isEmpty());
        }
    }

    @Test
    void close_withoutStart_contactsNobody_andIsIdempotent() throws IOException {
        try (FakeHermes hermes = FakeHermes.start()) {
            HermesRegistrar registrar = registrar(config(hermes.url()).build());
            registrar.close();
            registrar.close();

            assertThat(hermes.requests()).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(registrar::start)
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void backoff_growsExponentially_withJitter_upToMax() {
        HermesConfig config = config(URI.create("http://127.0.0.1:1"))
                .initialBackoff(Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)).build();
        try (HermesRegistrar registrar = registrar(config)) {
            for (int i = 0; i < 50; i++) {
                assertThat(registrar.backoff(1).toMillis()).isBetween(500L, 1_000L);
                assertThat(registrar.backoff(3).toMillis()).isBetween(2_000L, 4_000L);
                assertThat(registrar.backoff(6).toMillis()).isBetween(15_000L, 30_000L);
                assertThat(registrar.backoff(1_000).toMillis()).isBetween(15_000L, 30_000L);
            }
        }
    }

    @Test
    void constructor_rejectsDuplicateToolNames() {
        HermesConfig config = config(URI.create("http://127.0.0.1:1")).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new HermesRegistrar(config, List.of(USAGE, USAGE), Map::of))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate Hermes tool name 'get_usage_summary'");
    }
}
