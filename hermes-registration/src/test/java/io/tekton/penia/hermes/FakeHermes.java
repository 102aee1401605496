package io.tekton.penia.hermes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Hermes over real HTTP, written from ckoons/Tekton's Hermes:
 * {@code Hermes/hermes/api/endpoints.py} (register, heartbeat, unregister, mounted under
 * {@code /api} by {@code app.py}), {@code Hermes/hermes/api/mcp_endpoints.py} (tool registry
 * under {@code /api/mcp/v2}), {@code Hermes/hermes/core/registration/tokens.py} (the token: a
 * JSON string {@code {"payload": {...}, "signature": hmac}}) and {@code core/mcp_service.py}
 * (tool ids: the given {@code id} or {@code tool-<uuid>}).
 *
 * <p>Status codes and bodies are Hermes': FastAPI answers 422 {@code {"detail":[...]}} for a
 * missing header, query parameter or field, 401 {@code {"detail":"Invalid authentication token"}}
 * for a bad token, 404 {@code {"detail":"Tool not found"}}. Responses use the camelCase aliases
 * FastAPI emits for Tekton's models ({@code componentId}, {@code toolId}); {@link #snakeCase}
 * switches to the snake_case SPEC writes.
 *
 * <p>One deliberate difference: real Hermes accepts any unexpired, correctly signed token, even
 * after a restart; this one also requires the token to be among those it issued since the last
 * {@link #restart()}, which is how a Hermes that forgot Penia (or whose token expired) behaves.
 * Every request is recorded.
 */
final class FakeHermes implements AutoCloseable {

    record Request(String method, String path, Map<String, String> query, Map<String, String> headers,
                   JsonNode body, int status, JsonNode answer) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private static final String SECRET = "tekton-secret-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> components = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> tools = new ConcurrentHashMap<>();
    private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean snakeCase;
    private volatile boolean hang;

    private FakeHermes(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** On a free port. */
    static FakeHermes start() throws IOException {
        return new FakeHermes(0);
    }

    /** On {@code port} (picked free beforehand). */
    static FakeHermes start(int port) throws IOException {
        return new FakeHermes(port);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Answer with snake_case keys (component_id, tool_id) instead of FastAPI's camelCase aliases. */
    FakeHermes snakeCase(boolean snakeCase) {
        this.snakeCase = snakeCase;
        return this;
    }

    /** Accept connections but never answer, until closed. */
    FakeHermes hang(boolean hang) {
        this.hang = hang;
        return this;
    }

    /** A Hermes restart: the in-memory registry, tool registry and issued tokens are gone. */
    void restart() {
        components.clear();
        tools.clear();
        issuedTokens.clear();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    List<Request> requestsUnder(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    Map<String, JsonNode> components() {
        return Map.copyOf(components);
    }

    Map<String, JsonNode> tools() {
        return Map.copyOf(tools);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            if (hang) {
                requests.add(new Request(method, path, query, headers, body, 0, null));
                awaitRelease();
                return;
            }
            Answer answer = route(method, path, query, headers, body);
            requests.add(new Request(method, path, query, headers, body, answer.status(), JSON.valueToTree(answer.body())));
            byte[] out = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), out.length);
            exchange.getResponseBody().write(out);
        }
    }

    private record Answer(int status, Object body) {
    }

    private Answer route(String method, String path, Map<String, String> query, Map<String, String> headers,
                         JsonNode body) {
        String token = headers.get("x-authentication-token");
        if (method.equals("POST") && path.equals("/api/register")) {
            return register(body);
        }
        if (method.equals("POST") && path.equals("/api/heartbeat")) {
            return heartbeat(body, token);
        }
        if (method.equals("POST") && path.equals("/api/unregister")) {
            return unregister(query.get("component_id"), token);
        }
        if (method.equals("POST") && path.equals("/api/mcp/v2/tools")) {
            return registerTool(body);
        }
        if (method.equals("DELETE") && path.startsWith("/api/mcp/v2/tools/")) {
            String toolId = URLDecoder.decode(path.substring("/api/mcp/v2/tools/".length()), StandardCharsets.UTF_8);
            return tools.remove(toolId) == null
                    ? new Answer(404, Map.of("detail", "Tool not found"))
                    : new Answer(200, Map.of("success", true, "message", "Tool unregistered successfully"));
        }
        return new Answer(404, Map.of("detail", "Not Found"));
    }

    /** endpoints.py register_component: ComponentRegistrationRequest → ComponentRegistrationResponse. */
    private Answer register(JsonNode body) {
        Answer missing = missing("body", body, "name", "version", "type", "endpoint");
        if (missing != null) {
            return missing;
        }
        String id = text(body, "component_id", "componentId");
        if (id == null) {
            // utils.py generate_component_id: "{type}-{name}-{uuid[:8]}"
            id = body.get("type").asText() + "-" + body.get("name").asText().toLowerCase(Locale.ROOT).replace(' ', '-')
                    + "-" + UUID.randomUUID().toString().substring(0, 8);
        }
        components.put(id, body);
        String token = token(id);
        issuedTokens.add(token);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("success", true);
        answer.put(snakeCase ? "component_id" : "componentId", id);
        answer.put("token", token);
        answer.put("message", "Component registered successfully");
        return new Answer(200, answer);
    }

    /** endpoints.py send_heartbeat: header x-authentication-token, body {component_id, status}. */
    private Answer heartbeat(JsonNode body, String token) {
        if (token == null) {
            return unprocessable("header", "x-authentication-token");
        }
        Answer missing = missing("body", body, "component_id");
        if (missing != null) {
            return missing;
        }
        if (!valid(token, body.get("component_id").asText())) {
            return new Answer(401, Map.of("detail", "Invalid authentication token"));
        }
        return new Answer(200, Map.of("success", true, "timestamp", System.currentTimeMillis() / 1000.0,
                "message", "Heartbeat received"));
    }

    /** endpoints.py unregister_component: component_id is a query parameter; header x-authentication-token. */
    private Answer unregister(String componentId, String token) {
        if (componentId == null) {
            return unprocessable("query", "component_id");
        }
        if (token == null) {
            return unprocessable("header", "x-authentication-token");
        }
        if (!valid(token, componentId) || components.remove(componentId) == null) {
            return new Answer(401, Map.of("detail", "Invalid authentication token"));
        }
        issuedTokens.remove(token);
        return new Answer(200, Map.of("success", true, "message", "Component unregistered successfully"));
    }

    /** mcp_endpoints.py register_tool: ToolSpec (name, description, schema required) → ToolRegistrationResponse. */
    private Answer registerTool(JsonNode body) {
        Answer missing = missing("body", body, "name", "description", "schema");
        if (missing != null) {
            return missing;
        }
        String id = text(body, "id");
        if (id == null) {
            id = "tool-" + UUID.randomUUID();
        }
        tools.put(id, body);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("success", true);
        answer.put(snakeCase ? "tool_id" : "toolId", id);
        answer.put("message", "Tool registered successfully");
        return new Answer(200, answer);
    }

    // ---- tokens (tokens.py RegistrationToken) ----

    private static String token(String componentId) {
        long now = System.currentTimeMillis() / 1000;
        String payload = payloadText(componentId, now + 3600, now, UUID.randomUUID().toString());
        // Python's json.dumps layout, spaces included: the header value really looks like this.
        return "{\"payload\": " + payload + ", \"signature\": \"" + sign(payload) + "\"}";
    }

    /** json.dumps(payload, sort_keys=True) for the four fields tokens.py signs. */
    private static String payloadText(String componentId, long exp, long iat, String tokenId) {
        return "{\"component_id\": \"" + componentId + "\", \"exp\": " + exp + ", \"iat\": " + iat
                + ", \"token_id\": \"" + tokenId + "\"}";
    }

    private boolean valid(String token, String componentId) {
        try {
            JsonNode parsed = JSON.readTree(token);
            JsonNode payload = parsed.get("payload");
            String signed = payloadText(payload.path("component_id").asText(), payload.path("exp").asLong(),
                    payload.path("iat").asLong(), payload.path("token_id").asText());
            return issuedTokens.contains(token)
                    && sign(signed).equals(parsed.path("signature").asText())
                    && payload.path("exp").asLong() >= System.currentTimeMillis() / 1000
                    && componentId.equals(payload.path("component_id").asText());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- FastAPI-style validation ----

    private static Answer missing(String where, JsonNode body, String... fields) {
        for (String field : fields) {
            if (body == null || body.get(field) == null || body.get(field).isNull()) {
                return unprocessable(where, field);
            }
        }
        return null;
    }

    private static Answer unprocessable(String where, String field) {
        return new Answer(422, Map.of("detail", List.of(Map.of(
                "type", "missing", "loc", List.of(where, field), "msg", "Field required"))));
    }

    private static String text(JsonNode body, String... names) {
        for (String name : names) {
            JsonNode node = body.get(name);
            if (node != null && node.isTextual()) {
                return node.asText();
            }
        }
        return null;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(key, value);
            }
        }
        return query;
    }

    private void awaitRelease() {
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
