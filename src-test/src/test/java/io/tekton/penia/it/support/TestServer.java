package io.tekton.penia.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.tekton.penia.engine.Json;
import io.tekton.penia.server.PeniaServer;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * The real Penia server on port 0 with a temporary SQLite file, and a real HTTP client.
 * Black-box tests drive it only through HTTP (and WebSocket / MCP clients).
 */
public final class TestServer implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path dir;
    private final Map<String, String> env;
    private final InstantSource clock;
    /** Adjusts the loaded configuration (keys without an environment variable). */
    private java.util.function.UnaryOperator<PeniaConfig> adjust = c -> c;
    private PeniaServer server;
    /** Whether this instance leads or follows another (several instances; standalone by default). */
    private io.tekton.penia.server.cluster.LeaderView leaderView = io.tekton.penia.server.cluster.LeaderView.standalone();

    private TestServer(Path dir, Map<String, String> env, InstantSource clock) {
        this.dir = dir;
        this.env = env;
        this.clock = clock;
    }

    /** A server with no seeded budgets, Hermes off, on port 0. */
    public static TestServer start() {
        return start(Map.of());
    }

    public static TestServer start(Map<String, String> extraEnv) {
        return start(extraEnv, InstantSource.system());
    }

    public static TestServer start(Map<String, String> extraEnv, InstantSource clock) {
        return start(extraEnv, clock, c -> c);
    }

    /** As {@link #start(Map, InstantSource)}, with the loaded configuration adjusted before the start. */
    public static TestServer start(Map<String, String> extraEnv, InstantSource clock,
                                   java.util.function.UnaryOperator<PeniaConfig> adjust) {
        return start(extraEnv, clock, adjust, io.tekton.penia.server.cluster.LeaderView.standalone());
    }

    /**
     * A server that is one of several instances: {@code view} says whether it leads or forwards to
     * the leader (a {@link io.tekton.penia.server.cluster.LeaderView.Settable} the test switches).
     */
    public static TestServer start(Map<String, String> extraEnv, io.tekton.penia.server.cluster.LeaderView view) {
        return start(extraEnv, InstantSource.system(), c -> c, view);
    }

    private static TestServer start(Map<String, String> extraEnv, InstantSource clock,
                                    java.util.function.UnaryOperator<PeniaConfig> adjust,
                                    io.tekton.penia.server.cluster.LeaderView view) {
        try {
            Path dir = Files.createTempDirectory("penia-it");
            Map<String, String> env = new HashMap<>();
            env.put("PENIA_PORT", "0");
            env.put("PENIA_DB", dir.resolve("penia.db").toString());
            env.put("PENIA_HERMES", "off");
            env.putAll(extraEnv);
            TestServer t = new TestServer(dir, env, clock);
            t.adjust = adjust;
            t.leaderView = view;
            t.boot();
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The config: the shipped file without seed budgets (tests make their own), plus env. */
    public PeniaConfig config() {
        PeniaConfig c = ConfigLoader.load(Path.of(repoRoot(), "config", "penia.yaml"), env);
        if (!"true".equals(env.get("SEED"))) {
            c = new PeniaConfig(c.server(), c.database(), c.zone(), c.engine(), c.alerts(), c.hermes(), c.websocket(),
                    c.mcp(), c.security(), c.mail(), java.util.List.of(), c.maintenance());
        }
        return adjust.apply(c);
    }

    private void boot() {
        server = PeniaServer.start(config(), clock, leaderView);
    }

    /** Stops the server and starts a new one on the same database file. */
    public void restart() {
        server.close();
        boot();
    }

    /** Stops the server, lets {@code whileStopped} change the database file, then starts again. */
    public void restart(java.util.function.Consumer<Path> whileStopped) {
        server.close();
        whileStopped.accept(dbFile());
        boot();
    }

    public PeniaServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public String base() {
        return "http://127.0.0.1:" + port();
    }

    /** The official MCP client of this server's {@code /mcp}, without a key, initialized; the caller closes it. */
    public McpSyncClient mcpClient() {
        return mcpClient(null);
    }

    /** As {@link #mcpClient()}, sending {@code apiKey} as X-API-Key on every request (none when null). */
    public McpSyncClient mcpClient(String apiKey) {
        HttpClientStreamableHttpTransport.Builder transport = HttpClientStreamableHttpTransport.builder(base())
                .endpoint("/mcp");
        if (apiKey != null) {
            transport.httpRequestCustomizer((builder, method, uri, body, ctx) -> builder.header("X-API-Key", apiKey));
        }
        McpSyncClient c = McpClient.sync(transport.build()).requestTimeout(Duration.ofSeconds(30)).build();
        c.initialize();
        return c;
    }

    public Path dbFile() {
        return dir.resolve("penia.db");
    }

    /** A response: status and the parsed JSON body (null when not JSON). */
    public record Resp(int status, JsonNode body, String raw, HttpResponse<String> http) {
        public JsonNode get(String field) {
            return body == null ? null : body.get(field);
        }
    }

    public Resp get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).GET());
    }

    public Resp delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).DELETE());
    }

    public Resp post(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body))));
    }

    public Resp put(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json(body))));
    }

    /** Posts a raw body exactly as given. */
    public Resp postRaw(String path, String raw) {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(raw)));
    }

    public Resp send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = null;
            try {
                body = r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
            } catch (IOException ignored) {
                // not JSON: tests look at raw
            }
            return new Resp(r.statusCode(), body, r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String json(Object body) {
        if (body instanceof String s) {
            return s;
        }
        try {
            return Json.mapper().writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository root (the parent of src-test), for config/penia.yaml. */
    public static String repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("config/penia.yaml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find config/penia.yaml above " + Path.of("").toAbsolutePath());
        }
        return p.toString();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir cleanup is best effort
        }
    }
}
