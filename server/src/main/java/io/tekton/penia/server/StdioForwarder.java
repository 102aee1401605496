package io.tekton.penia.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tekton.penia.engine.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code mcp-stdio} while a Penia server owns the database: each JSON-RPC message read from
 * stdin is posted to the server's {@code /mcp} (Streamable HTTP), and what the server answers
 * (a JSON body, or the events of an SSE reply) is written to stdout, one message a line. The
 * tools, the ledger and the live counters are the server's; this process opens no database.
 *
 * <p>The session the server gives at {@code initialize} is kept; when the server no longer
 * knows it (idle timeout, restart) the forwarder initializes again with the client's own
 * {@code initialize} and retries once. A request the server cannot answer gets a JSON-RPC
 * error naming the server. Requests run concurrently; notifications keep their order. When
 * stdin closes the forwarder waits for the answers in flight, ends the session and returns.
 */
final class StdioForwarder {
    private static final System.Logger LOG = System.getLogger(StdioForwarder.class.getName());
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final URI endpoint;
    private final String apiKey;
    private final OutputStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Object writeLock = new Object();
    private final Object sessionLock = new Object();
    private volatile String sessionId;
    private volatile String protocolVersion;
    private volatile String initializeLine;
    private volatile String initializedLine;

    /** Forwards to {@code baseUrl + "/mcp"}, presenting {@code apiKey} (may be null) as {@code X-API-Key}. */
    StdioForwarder(String baseUrl, String apiKey, OutputStream out) {
        this.endpoint = URI.create(baseUrl + "/mcp");
        this.apiKey = apiKey;
        this.out = out;
    }

    /** Forwards until {@code in} ends, then waits (bounded) for the answers in flight and ends the session. */
    void run(InputStream in) throws IOException, InterruptedException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode msg;
                try {
                    msg = Json.mapper().readTree(line);
                } catch (IOException e) {
                    emit(error(null, -32700, "parse error: " + e.getMessage()));
                    continue;
                }
                String method = msg.path("method").asText(null);
                boolean request = method != null && msg.hasNonNull("id");
                if ("initialize".equals(method)) {
                    initializeLine = line;
                    forward(line, msg, true);
                } else if ("notifications/initialized".equals(method)) {
                    initializedLine = line;
                    forward(line, msg, true);
                } else if (request) {
                    String l = line;
                    requests.submit(() -> forward(l, msg, true));
                } else {
                    forward(line, msg, true);
                }
            }
            requests.shutdown();
            if (!requests.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "stdin closed; answers still in flight are dropped");
                requests.shutdownNow();
            }
        }
        endSession();
    }

    /** Posts one message and writes what comes back; a lost session is initialized again once. */
    private void forward(String line, JsonNode msg, boolean retryLostSession) {
        String usedSession = sessionId;
        try {
            HttpResponse<InputStream> res = post(line, usedSession);
            boolean initialize = "initialize".equals(msg.path("method").asText(null));
            if (res.statusCode() == 404 && usedSession != null && !initialize && retryLostSession) {
                res.body().close();
                reinitialize(usedSession);
                forward(line, msg, false);
                return;
            }
            if (initialize && res.statusCode() == 200) {
                sessionId = res.headers().firstValue("Mcp-Session-Id").orElse(null);
            }
            answer(res, msg, initialize);
        } catch (IOException e) {
            if (msg.hasNonNull("id") && msg.has("method")) {
                emit(error(msg.get("id"), -32603, "the Penia server at " + endpoint + " is not reachable: " + e));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<InputStream> post(String body, String session) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers(b, session);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private void headers(HttpRequest.Builder b, String session) {
        if (session != null) {
            b.header("Mcp-Session-Id", session);
        }
        if (protocolVersion != null) {
            b.header("MCP-Protocol-Version", protocolVersion);
        }
        if (apiKey != null && !apiKey.isEmpty()) {
            b.header("X-API-Key", apiKey);
        }
    }

    /** Writes the server's answer to stdout: a JSON body, the events of an SSE reply, or an error for a request. */
    private void answer(HttpResponse<InputStream> res, JsonNode msg, boolean initialize) throws IOException {
        String type = res.headers().firstValue("Content-Type").orElse("");
        try (InputStream body = res.body()) {
            if (type.startsWith("text/event-stream")) {
                BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                StringBuilder data = new StringBuilder();
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.isEmpty()) {
                        emitData(data, initialize);
                    } else if (l.startsWith("data:")) {
                        data.append(data.isEmpty() ? "" : "\n").append(l.substring(l.startsWith("data: ") ? 6 : 5));
                    }
                }
                emitData(data, initialize);
                return;
            }
            String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            JsonNode reply = null;
            if (!text.isBlank()) {
                try {
                    reply = Json.mapper().readTree(text);
                } catch (IOException ignored) {
                    // not JSON: answered below as an error
                }
            }
            if (reply != null && reply.has("jsonrpc") && (reply.has("result") || reply.has("error") || reply.has("method"))) {
                if (reply.has("error") && !reply.hasNonNull("id") && msg.hasNonNull("id")) {
                    // A transport error of the server (401, 403, 413 ...) is this request's answer.
                    ((ObjectNode) reply).set("id", msg.get("id"));
                }
                if (initialize) {
                    noteVersion(reply);
                }
                if (reply.hasNonNull("id") || reply.has("method")) {
                    emit(reply);
                }
            } else if (res.statusCode() >= 300 && msg.hasNonNull("id") && msg.has("method")) {
                emit(error(msg.get("id"), -32603, "the Penia server at " + endpoint + " answered HTTP "
                        + res.statusCode() + (text.isBlank() ? "" : ": " + text.strip())));
            }
        }
    }

    private void emitData(StringBuilder data, boolean initialize) throws IOException {
        if (data.isEmpty()) {
            return;
        }
        JsonNode m = Json.mapper().readTree(data.toString());
        data.setLength(0);
        if (initialize) {
            noteVersion(m);
        }
        emit(m);
    }

    private void noteVersion(JsonNode reply) {
        String v = reply.path("result").path("protocolVersion").asText(null);
        if (v != null) {
            protocolVersion = v;
        }
    }

    /** The server forgot the session: opens a new one with the client's own initialize (its answer kept here). */
    private void reinitialize(String lost) throws IOException, InterruptedException {
        synchronized (sessionLock) {
            if (!lost.equals(sessionId) || initializeLine == null) {
                return; // another request has already opened a new one
            }
            HttpResponse<InputStream> res = post(initializeLine, null);
            try (InputStream body = res.body()) {
                body.readAllBytes();
            }
            sessionId = res.headers().firstValue("Mcp-Session-Id").orElse(null);
            if (initializedLine != null && sessionId != null) {
                try (InputStream body = post(initializedLine, sessionId).body()) {
                    body.readAllBytes();
                }
            }
            LOG.log(System.Logger.Level.INFO, "MCP session expired on the server; a new one was opened");
        }
    }

    private void endSession() {
        String s = sessionId;
        if (s == null) {
            return;
        }
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5)).DELETE();
            headers(b, s);
            http.send(b.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "session not ended: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode error(JsonNode id, int code, String message) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("jsonrpc", "2.0");
        e.set("id", id);
        e.putObject("error").put("code", code).put("message", message);
        return e;
    }

    private void emit(JsonNode m) {
        try {
            byte[] line = (Json.mapper().writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (writeLock) {
                out.write(line);
                out.flush();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "stdout closed: " + e.getMessage());
        }
    }
}
