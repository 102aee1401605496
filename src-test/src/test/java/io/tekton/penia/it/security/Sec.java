package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.TestServer;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the security tests share: a server with {@code PENIA_ADMIN_KEY}, requests with a key,
 * keys made through the API, and the ways in (REST, WebSocket, MCP) with a key. REST calls go
 * through {@link PeniaClient}; new classes use it directly with {@code @PeniaServerTest(adminKey = true)}.
 */
final class Sec {
    static final String ADMIN_KEY = PeniaClient.ADMIN_KEY;

    /** An MCP initialize request body. */
    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"sec-test\",\"version\":\"1\"}}}";

    private Sec() {
    }

    static TestServer start(Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PENIA_ADMIN_KEY", ADMIN_KEY);
        return TestServer.start(env);
    }

    /** A request with {@code X-API-Key} (none when key is null); body null sends none. */
    static TestServer.Resp call(TestServer t, String key, String method, String path, Object body) {
        return new PeniaClient(t, key).call(method, path, body);
    }

    static TestServer.Resp get(TestServer t, String key, String path) {
        return call(t, key, "GET", path, null);
    }

    /** Creates a key as the env admin; returns the create response (with the secret). */
    static JsonNode createKey(TestServer t, String name, String role, String component) {
        return new PeniaClient(t, ADMIN_KEY).createKey(name, role, component);
    }

    static String secret(TestServer t, String role, String component) {
        return createKey(t, role + " key " + UUID.randomUUID(), role, component).get("secret").asText();
    }

    static String keyId(String secret) {
        return secret.substring(3, secret.indexOf('_', 3));
    }

    /** The random part of a secret: all after {@code pk_<id>_} (it may itself contain '_' and '-'). */
    static String randomPart(String secret) {
        return secret.substring(secret.indexOf('_', 3) + 1);
    }

    /** A budget scoped to a component (and provider), created as the env admin. */
    static String budget(TestServer t, String component, String provider, String monthlyUsd) {
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("component", component);
        if (provider != null) {
            scope.put("provider", provider);
        }
        TestServer.Resp r = call(t, ADMIN_KEY, "POST", "/api/v1/budgets", Map.of("name", "budget of " + component,
                "scope", scope, "limits", Map.of("monthly", new BigDecimal(monthlyUsd))));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    static Map<String, Object> usage(String component, String provider, String cost) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("component", component);
        m.put("provider", provider);
        m.put("model", "gpt-4o");
        m.put("input_tokens", 10);
        m.put("output_tokens", 5);
        m.put("cost", new BigDecimal(cost));
        return m;
    }

    /** Ledger rows of a component, read as the env admin. */
    static int ledgerRows(TestServer t, String component) {
        TestServer.Resp r = get(t, ADMIN_KEY, "/api/v1/usage/records?limit=1000&component=" + component);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.get("items").size();
    }

    /** The audit entries of one target, as the env admin. */
    static List<JsonNode> audit(TestServer t, String targetType, String targetId) {
        return new PeniaClient(t, ADMIN_KEY).audit(targetType, targetId);
    }

    /** The status of a WebSocket handshake to /ws with the key in a header (101 when opened). */
    static int wsConnect(TestServer t, String key, boolean inQuery) {
        String q = inQuery && key != null ? "?api_key=" + key : "";
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (key != null && !inQuery) {
            b.header("X-API-Key", key);
        }
        try {
            WebSocket ws = b.buildAsync(URI.create("ws://127.0.0.1:" + t.port() + "/ws" + q), new WebSocket.Listener() { })
                    .get(10, TimeUnit.SECONDS);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            return 101;
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A raw MCP initialize over HTTP with the key; the response. */
    static TestServer.Resp mcpInitialize(TestServer t, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base() + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return t.send(b);
    }

    /** The official MCP client, sending the key on every request. */
    static McpSyncClient mcp(TestServer t, String key) {
        return t.mcpClient(key);
    }
}
