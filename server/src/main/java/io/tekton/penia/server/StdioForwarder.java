package io.tekton.penia.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.store.postgres.PgLeaderLock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
 *
 * <p>Over PostgreSQL the server is the cluster's leader, and another instance takes over when it
 * dies: when the leader cannot be reached (or cuts an answer, or says 503) the forwarder reads
 * who leads again ({@link #FAILOVER_WAIT} at most), opens a new session there with the client's
 * {@code initialize} and sends the message again if that cannot apply it twice: it never reached
 * the old leader (connection refused), or it only reads (not a {@code tools/call}, or one of a
 * tool that {@code tools/list} marked {@code readOnlyHint}). Any other request gets a JSON-RPC
 * error naming the failover: it may or may not have been applied.
 */
final class StdioForwarder {
    private static final System.Logger LOG = System.getLogger(StdioForwarder.class.getName());
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    /** How long a lost leader's successor is waited for (a takeover takes about 1-3 s). */
    static final Duration FAILOVER_WAIT = Duration.ofSeconds(20);

    /** Where messages go: the server's {@code /mcp} and the leader epoch it was named with (0: no election). */
    private record Route(URI mcp, long epoch) {
    }

    private volatile Route route;
    /** Who leads now (over PostgreSQL the cluster_leader row); null when the server cannot change. */
    private final Supplier<PgLeaderLock.Leader> leaders;
    /** The tools {@code tools/list} marked read-only: a call of one may be sent again. */
    private final Set<String> readOnlyTools = ConcurrentHashMap.newKeySet();
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
        this(baseUrl, 0, null, apiKey, out);
    }

    /**
     * Forwards to the leader at {@code baseUrl} (of {@code epoch}); when it is lost, {@code leaders}
     * tells who leads now.
     */
    StdioForwarder(String baseUrl, long epoch, Supplier<PgLeaderLock.Leader> leaders, String apiKey,
                   OutputStream out) {
        this.route = new Route(URI.create(baseUrl + "/mcp"), epoch);
        this.leaders = leaders;
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
        forward(line, msg, retryLostSession, leaders != null);
    }

    /** As above; {@code mayFailOver}: a lost leader may be replaced (once per message). */
    private void forward(String line, JsonNode msg, boolean retryLostSession, boolean mayFailOver) {
        String usedSession = sessionId;
        Route used = route;
        try {
            HttpResponse<InputStream> res = post(used, line, usedSession);
            boolean initialize = "initialize".equals(msg.path("method").asText(null));
            if (res.statusCode() == 404 && usedSession != null && !initialize && retryLostSession) {
                res.body().close();
                reinitialize(usedSession);
                forward(line, msg, false, mayFailOver);
                return;
            }
            if (res.statusCode() == 503 && mayFailOver && repeatable(msg) && newLeader(used)) {
                // The instance does not serve (stopping, or no longer leading): the new leader answers.
                res.body().close();
                failOver(used);
                forward(line, msg, retryLostSession, false);
                return;
            }
            if (initialize && res.statusCode() == 200) {
                sessionId = res.headers().firstValue("Mcp-Session-Id").orElse(null);
            }
            answer(res, msg, initialize);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            lost(line, msg, retryLostSession, mayFailOver, used, e, true);
        } catch (IOException e) {
            lost(line, msg, retryLostSession, mayFailOver, used, e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The server at {@code used} did not answer ({@code unsent}: the connection was refused, so the
     * message never reached it): over PostgreSQL the message goes to the new leader when that cannot
     * apply it twice; a request that cannot go gets a JSON-RPC error saying why.
     */
    private void lost(String line, JsonNode msg, boolean retryLostSession, boolean mayFailOver, Route used,
                      IOException e, boolean unsent) {
        boolean request = msg.hasNonNull("id") && msg.has("method");
        if (!mayFailOver) {
            if (request) {
                emit(error(msg.get("id"), -32603, "the Penia server at " + used.mcp() + " is not reachable: " + e));
            }
            return;
        }
        boolean moved;
        try {
            moved = failOver(used);
        } catch (IOException again) {
            if (request) {
                emit(error(msg.get("id"), -32603, "the Penia leader at " + used.mcp() + " is gone and its successor at "
                        + route.mcp() + " is not reachable either: " + again));
            }
            return;
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
            return;
        }
        String method = msg.path("method").asText("");
        if (moved && (unsent || repeatable(msg))) {
            if (!"notifications/initialized".equals(method)) { // the new session has had it
                forward(line, msg, retryLostSession, false);
            }
        } else if (moved && request) {
            emit(error(msg.get("id"), -32603, "the Penia leader at " + used.mcp() + " went away while this " + method
                    + " was in flight (" + e + "); it may or may not have been applied, so it is not sent again;"
                    + " the session continues on the new leader at " + route.mcp() + ": check before retrying"));
        } else if (request) {
            emit(error(msg.get("id"), -32603, "the Penia leader at " + used.mcp() + " is not reachable (" + e
                    + ") and no other instance took over within " + FAILOVER_WAIT.toSeconds() + " s"));
        }
    }

    /** True when sending {@code msg} twice changes nothing: anything but a call of a tool not known as read-only. */
    private boolean repeatable(JsonNode msg) {
        return !"tools/call".equals(msg.path("method").asText(null))
                || readOnlyTools.contains(msg.path("params").path("name").asText(""));
    }

    /** One look at who leads: true when it is no longer the leader of {@code used}. */
    private boolean newLeader(Route used) {
        try {
            return leaders.get().epoch() > used.epoch();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The leader of {@code lost} is gone: waits ({@link #FAILOVER_WAIT} at most) until another one
     * is named, routes there and opens a new session with the client's initialize. False when none came.
     */
    private boolean failOver(Route lost) throws IOException, InterruptedException {
        synchronized (sessionLock) {
            if (route != lost) {
                return true; // another message has moved already
            }
            long deadline = System.nanoTime() + FAILOVER_WAIT.toNanos();
            while (true) {
                try {
                    PgLeaderLock.Leader now = leaders.get();
                    if (now.epoch() > lost.epoch() && now.url() != null && !now.url().isBlank()) {
                        route = new Route(URI.create(base(now.url()) + "/mcp"), now.epoch());
                        LOG.log(System.Logger.Level.WARNING, "the Penia leader at " + lost.mcp()
                                + " is gone; forwarding MCP to " + route.mcp() + " (epoch " + now.epoch() + ")");
                        if (sessionId != null) {
                            openSession();
                        }
                        return true;
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "who leads is not known yet: " + e.getMessage());
                }
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.sleep(250); // polls the row, as StdioMain does at start
            }
        }
    }

    /** A server's URL without its trailing slash. */
    static String base(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private HttpResponse<InputStream> post(Route to, String body, String session)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.mcp())
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
                boolean answered = false;
                try {
                    for (String l; (l = r.readLine()) != null; ) {
                        if (l.isEmpty()) {
                            answered |= emitData(data, msg, initialize);
                        } else if (l.startsWith("data:")) {
                            data.append(data.isEmpty() ? "" : "\n")
                                    .append(l.substring(l.startsWith("data: ") ? 6 : 5));
                        }
                    }
                    answered |= emitData(data, msg, initialize);
                } catch (IOException e) {
                    if (!answered) {
                        throw e; // cut before the answer: the leader may be gone
                    }
                }
                if (!answered && msg.hasNonNull("id") && msg.has("method")) {
                    throw new IOException("the event stream ended without the answer");
                }
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
                noteTools(msg, reply);
                if (reply.hasNonNull("id") || reply.has("method")) {
                    emit(reply);
                }
            } else if (res.statusCode() >= 300 && msg.hasNonNull("id") && msg.has("method")) {
                emit(error(msg.get("id"), -32603, "the Penia server at " + route.mcp() + " answered HTTP "
                        + res.statusCode() + (text.isBlank() ? "" : ": " + text.strip())));
            }
        }
    }

    /** Writes one event's message; true when it is the answer to {@code msg}. */
    private boolean emitData(StringBuilder data, JsonNode msg, boolean initialize) throws IOException {
        if (data.isEmpty()) {
            return false;
        }
        JsonNode m = Json.mapper().readTree(data.toString());
        data.setLength(0);
        if (initialize) {
            noteVersion(m);
        }
        noteTools(msg, m);
        emit(m);
        return !m.has("method") && m.hasNonNull("id") && m.get("id").asText().equals(msg.path("id").asText());
    }

    /** Keeps the names of the tools a {@code tools/list} answer marks read-only. */
    private void noteTools(JsonNode msg, JsonNode reply) {
        if ("tools/list".equals(msg.path("method").asText(null))) {
            for (JsonNode tool : reply.path("result").path("tools")) {
                if (tool.path("annotations").path("readOnlyHint").asBoolean(false)) {
                    readOnlyTools.add(tool.path("name").asText());
                }
            }
        }
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
            openSession();
            LOG.log(System.Logger.Level.INFO, "MCP session expired on the server; a new one was opened");
        }
    }

    /** Opens a new session where {@link #route} points, with the client's own initialize and initialized. */
    private void openSession() throws IOException, InterruptedException {
        HttpResponse<InputStream> res = post(route, initializeLine, null);
        try (InputStream body = res.body()) {
            body.readAllBytes();
        }
        sessionId = res.headers().firstValue("Mcp-Session-Id").orElse(null);
        if (initializedLine != null && sessionId != null) {
            try (InputStream body = post(route, initializedLine, sessionId).body()) {
                body.readAllBytes();
            }
        }
    }

    private void endSession() {
        String s = sessionId;
        if (s == null) {
            return;
        }
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(route.mcp()).timeout(Duration.ofSeconds(5)).DELETE();
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
