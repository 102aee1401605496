package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.tools.PeniaTool;
import io.tekton.penia.server.security.Policy.Need;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/discovery}: what Penia offers, in the shape every Tekton component serves
 * (Tekton's shared/api/endpoints.py {@code DiscoveryResponse}: component, version, description,
 * endpoints, capabilities, dependencies, metadata) plus {@code name} and its MCP tools. The
 * endpoints are read from {@code openapi.yaml}, which a test keeps equal to the routes.
 */
public final class DiscoveryService implements Routes.Service {
    private static final List<String> METHODS = List.of("get", "post", "put", "delete");
    private final byte[] body;

    private DiscoveryService(byte[] body) {
        this.body = body;
    }

    /**
     * @param hermesUrl    the Hermes Penia registers with, or null when registration is off
     * @param capabilities what Penia registers with Hermes
     * @param metadata     the registration metadata (endpoints of /ws, /mcp, the API base, ...)
     */
    public static DiscoveryService create(String version, List<PeniaTool> tools, List<String> capabilities,
                                          String hermesUrl, Map<String, Object> metadata) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "penia");
        m.put("component", "penia");
        m.put("version", version);
        m.put("description", "Budget management and cost tracking for Tekton's LLM calls");
        m.put("endpoints", endpoints());
        m.put("capabilities", capabilities);
        List<Map<String, Object>> mcp = new ArrayList<>();
        for (PeniaTool t : tools) {
            mcp.add(Map.of("name", t.name(), "description", t.description(), "mutates", t.mutates()));
        }
        m.put("mcp_tools", mcp);
        m.put("dependencies", hermesUrl == null ? Map.of() : Map.of("hermes", hermesUrl));
        m.put("metadata", metadata);
        try {
            return new DiscoveryService(io.tekton.penia.engine.Json.mapper().writeValueAsBytes(m));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.PUBLIC, this::discovery);
    }

    private void discovery(ServerRequest req, ServerResponse res) {
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }

    /** Every documented operation as {@code {path, method, description}}, then the WebSocket and MCP endpoints. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> endpoints() {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(new String(HealthService.openApi(), StandardCharsets.UTF_8));
        List<Map<String, Object>> out = new ArrayList<>();
        if (root instanceof Map<?, ?> doc && doc.get("paths") instanceof Map<?, ?> paths) {
            ((Map<String, Object>) paths).forEach((path, item) -> {
                if (item instanceof Map<?, ?> ops) {
                    for (String method : METHODS) {
                        if (ops.get(method) instanceof Map<?, ?> op) {
                            out.add(endpoint(path, method.toUpperCase(Locale.ROOT), String.valueOf(op.get("summary"))));
                        }
                    }
                }
            });
        }
        out.add(endpoint("/ws", "WEBSOCKET", "Live budget updates, alerts and usage (subscribe to channels)"));
        out.add(endpoint("/mcp", "MCP", "MCP over Streamable HTTP: the tools listed in mcp_tools"));
        return out;
    }

    private static Map<String, Object> endpoint(String path, String method, String description) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("path", path);
        e.put("method", method);
        e.put("description", description);
        return e;
    }
}
