package io.tekton.penia.hermes;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HermesConfigTest {

    @Test
    void builder_startsFromPeniaDefaults() {
        HermesConfig config = HermesConfig.builder()
                .hermesUrl("http://localhost:8001")
                .endpoint("localhost", 8013)
                .build();

        assertThat(config.enabled()).isTrue();
        assertThat(config.componentName()).isEqualTo("penia");
        assertThat(config.type()).isEqualTo("budget");
        assertThat(config.endpoint()).isEqualTo(URI.create("http://localhost:8013"));
        assertThat(config.metadata())
                .containsEntry("websocket_endpoint", "/ws")
                .containsEntry("mcp_endpoint", "/mcp")
                .containsEntry("api_base", "/api/v1");
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.hermesApi("/api/register")).isEqualTo(URI.create("http://localhost:8001/api/register"));
    }

    @Test
    void toolNamesAndEndpoints_followSpec() {
        HermesConfig config = HermesConfig.builder()
                .hermesUrl("http://localhost:8001/")
                .endpoint(URI.create("http://10.0.0.5:8013/"))
                .build();

        assertThat(config.hermesToolName("set_alerts")).isEqualTo("penia_set_alerts");
        assertThat(config.toolEndpoint("set_alerts"))
                .isEqualTo(URI.create("http://10.0.0.5:8013/api/tools/set_alerts/execute"));
        assertThat(config.hermesApi("/api/heartbeat")).isEqualTo(URI.create("http://localhost:8001/api/heartbeat"));
    }

    @Test
    void invalid_listsEveryBadField() {
        HermesConfig.Builder builder = HermesConfig.builder()
                .hermesUrl("ftp://hermes")
                .componentName("Penia")
                .version(" ")
                .endpoint(URI.create("http://localhost"))
                .metadata("websocket_endpoint", "ws")
                .heartbeatInterval(Duration.ZERO)
                .initialBackoff(Duration.ofSeconds(10))
                .maxBackoff(Duration.ofSeconds(5))
                .shutdownTimeout(Duration.ofMinutes(5));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hermesUrl must be an absolute http(s) URL")
                .hasMessageContaining("componentName must match")
                .hasMessageContaining("version must not be blank")
                .hasMessageContaining("endpoint must name a port")
                .hasMessageContaining("metadata.websocket_endpoint must be a path starting with '/' (got 'ws')")
                .hasMessageContaining("heartbeatInterval must be within 50ms..3600000ms (got 0ms)")
                .hasMessageContaining("maxBackoff (5000ms) must be >= initialBackoff (10000ms)")
                .hasMessageContaining("shutdownTimeout must be within 1ms..10000ms (got 300000ms)");
    }

    @Test
    void capabilitiesAndMetadata_areRequiredAndBounded() {
        List<String> manyCapabilities = java.util.stream.IntStream.range(0, 65).mapToObj(i -> "c" + i).toList();
        Map<String, Object> manyEntries = new HashMap<>();
        java.util.stream.IntStream.range(0, 65).forEach(i -> manyEntries.put("k" + i, i));
        HermesConfig.Builder tooMany = HermesConfig.builder()
                .hermesUrl("http://localhost:8001").endpoint("localhost", 8013)
                .capabilities(manyCapabilities).metadata(manyEntries);
        assertThatThrownBy(tooMany::build)
                .hasMessageContaining("capabilities has 65 entries, limit 64")
                .hasMessageContaining("metadata has 69 entries, limit 64");

        HermesConfig ok = HermesConfig.builder().hermesUrl("http://localhost:8001").endpoint("localhost", 8013).build();
        assertThatThrownBy(() -> new HermesConfig(ok.hermesUrl(), true, "penia", "1", "budget", ok.endpoint(),
                null, null, ok.heartbeatInterval(), ok.requestTimeout(), ok.initialBackoff(), ok.maxBackoff(),
                ok.shutdownTimeout()))
                .hasMessageContaining("capabilities is required (may be empty)")
                .hasMessageContaining("metadata is required")
                .hasMessageNotContaining("metadata.");
    }

    @Test
    void enabled_requiresHermesUrl_disabledDoesNot() {
        assertThatThrownBy(() -> HermesConfig.builder().endpoint("localhost", 8013).build())
                .hasMessageContaining("hermesUrl is required");

        HermesConfig disabled = HermesConfig.disabled(URI.create("http://localhost:8013"));
        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.hermesUrl()).isNull();
    }

    @Test
    void metadata_isCopiedDeeply_andRejectsNonJsonValues() {
        Map<String, Object> context = new HashMap<>(Map.of("context", "budget_management"));
        HermesConfig config = HermesConfig.builder()
                .hermesUrl("http://localhost:8001").endpoint("localhost", 8013)
                .metadata("assistant_context", context)
                .build();
        context.put("context", "changed");

        assertThat(config.metadata().get("assistant_context")).isEqualTo(Map.of("context", "budget_management"));
        assertThatThrownBy(() -> config.metadata().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> HermesConfig.builder()
                .hermesUrl("http://localhost:8001").endpoint("localhost", 8013)
                .metadata("started", new Object()).build())
                .hasMessageContaining("metadata.started is not a JSON value");
        assertThatThrownBy(() -> HermesConfig.builder()
                .hermesUrl("http://localhost:8001").endpoint("localhost", 8013)
                .capabilities(List.of("ok", " ")).build())
                .hasMessageContaining("capabilities must not contain blank entries");
    }

    @Test
    void tool_invalid_listsEveryBadField_andSchemaIsImmutable() {
        assertThatThrownBy(() -> new HermesTool("Get-Usage", " ", Map.of("type", "string"), List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must match")
                .hasMessageContaining("description must not be blank")
                .hasMessageContaining("schema.type must be \"object\"");

        Map<String, Object> properties = new HashMap<>(Map.of("period", Map.of("type", "string")));
        HermesTool tool = HermesTool.of("get_usage_summary", "Usage", Map.of("type", "object", "properties", properties));
        properties.clear();
        assertThat(tool.schema().get("properties")).isEqualTo(Map.of("period", Map.of("type", "string")));
        assertThatThrownBy(() -> tool.schema().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }
}
