package io.tekton.penia.hermes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Hermes wire protocol, one method per endpoint; no state beyond the HTTP client.
 * Shapes follow ckoons/Tekton {@code Hermes/hermes/api/endpoints.py} and {@code mcp_endpoints.py}.
 */
final class HermesClient implements AutoCloseable {

    static final String TOKEN_HEADER = "X-Authentication-Token";
    // Hermes answers with a few hundred bytes; anything near this is not Hermes.
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** What came back from one call. Expected outcomes, not exceptions. */
    sealed interface Reply {
        /** 2xx and the body does not say {@code success:false}. */
        record Ok(JsonNode body) implements Reply {
        }

        /** Hermes answered and said no (non-2xx, {@code success:false}, or not JSON). */
        record Refused(int status, String detail) implements Reply {
        }

        /** No answer: connection refused, timeout, interrupted. */
        record Unreachable(String reason) implements Reply {
        }
    }

    private final HermesConfig config;
    private final ObjectMapper json;
    private final HttpClient http;

    HermesClient(HermesConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** {@code POST /api/register} with the ComponentRegistrationRequest body. */
    Reply register(Map<String, Object> registration) {
        return await(post(config.hermesApi("/api/register"), registration, null, config.requestTimeout()),
                config.requestTimeout());
    }

    /** {@code POST /api/heartbeat}, header {@code X-Authentication-Token}, body {@code {component_id, status}}. */
    Reply heartbeat(String componentId, String token, Map<String, Object> status) {
        Map<String, Object> body = Map.of("component_id", componentId, "status", status);
        return await(post(config.hermesApi("/api/heartbeat"), body, token, config.requestTimeout()),
                config.requestTimeout());
    }

    /** {@code POST /api/mcp/v2/tools} with a ToolSpec body. */
    Reply registerTool(Map<String, Object> toolSpec) {
        return await(post(config.hermesApi("/api/mcp/v2/tools"), toolSpec, null, config.requestTimeout()),
                config.requestTimeout());
    }

    /**
     * {@code POST /api/unregister?component_id=…} with the token header. FastAPI reads
     * {@code component_id} from the query string (a bare {@code str} parameter), never the body.
     */
    CompletableFuture<Reply> unregister(String componentId, String token, Duration timeout) {
        URI uri = config.hermesApi("/api/unregister?component_id="
                + URLEncoder.encode(componentId, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header(TOKEN_HEADER, token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        return send(request);
    }

    /** {@code DELETE /api/mcp/v2/tools/{tool_id}}. */
    CompletableFuture<Reply> deleteTool(String toolId, Duration timeout) {
        URI uri = config.hermesApi("/api/mcp/v2/tools/" + URLEncoder.encode(toolId, StandardCharsets.UTF_8)
                .replace("+", "%20"));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).DELETE().build();
        return send(request);
    }

    /** Waits for {@code reply} at most {@code timeout} plus a little; never throws. */
    static Reply await(CompletableFuture<Reply> reply, Duration timeout) {
        try {
            // The request timeout covers the wait for headers; this bound also covers a trickling body.
            return reply.get(timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            reply.cancel(true);
            Thread.currentThread().interrupt();
            return new Reply.Unreachable("interrupted");
        } catch (TimeoutException e) {
            reply.cancel(true);
            return new Reply.Unreachable("no answer within " + timeout.toMillis() + "ms");
        } catch (ExecutionException | CancellationException e) {
            return new Reply.Unreachable(String.valueOf(e));
        }
    }

    @Override
    public void close() {
        // shutdownNow, not close: close() waits for in-flight exchanges without a bound.
        http.shutdownNow();
    }

    private CompletableFuture<Reply> post(URI uri, Object body, String token, Duration timeout) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            // Config and tools were validated as JSON-able, so this is a bug, not an outcome.
            throw new IllegalStateException("cannot serialise Hermes request to " + uri, e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (token != null) {
            request.header(TOKEN_HEADER, token);
        }
        return send(request.build());
    }

    private CompletableFuture<Reply> send(HttpRequest request) {
        CompletableFuture<HttpResponse<byte[]>> response;
        try {
            response = http.sendAsync(request, info -> new CappedBody(MAX_RESPONSE_BYTES));
        } catch (IllegalStateException e) {
            // The client was shut down under us (close() racing a late call).
            return CompletableFuture.completedFuture(new Reply.Unreachable("client closed"));
        }
        return response.handle((r, failure) -> failure == null ? interpret(request, r) : unreachable(request, failure));
    }

    private Reply interpret(HttpRequest request, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        JsonNode body = parse(response.body());
        if (status / 100 != 2) {
            return new Reply.Refused(status, detail(body, response.body()));
        }
        if (body == null || !body.isContainerNode()) {
            return new Reply.Refused(status, request.method() + " " + request.uri().getPath()
                    + " answered " + status + " without a JSON body");
        }
        if (body.path("success").isBoolean() && !body.path("success").asBoolean()) {
            return new Reply.Refused(status, detail(body, response.body()));
        }
        return new Reply.Ok(body);
    }

    private static Reply unreachable(HttpRequest request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String what = cause instanceof HttpTimeoutException
                ? "timed out after " + request.timeout().map(Duration::toMillis).orElse(-1L) + "ms"
                : cause.getClass().getSimpleName() + message(cause);
        return new Reply.Unreachable(request.method() + " " + request.uri().getPath() + " " + what);
    }

    /** The first message along the cause chain (HttpClient's ConnectException has none of its own). */
    private static String message(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return ": " + t.getMessage();
            }
        }
        return "";
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** FastAPI errors are {@code {"detail": ...}}; Hermes' own replies carry {@code message}. */
    private static String detail(JsonNode body, byte[] raw) {
        if (body != null) {
            JsonNode detail = body.has("detail") ? body.get("detail") : body.get("message");
            if (detail != null) {
                return detail.isTextual() ? detail.asText() : detail.toString();
            }
        }
        String text = raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** Collects a response body but fails once it passes {@code maxBytes}. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final HttpResponse.BodySubscriber<byte[]> delegate = HttpResponse.BodySubscribers.ofByteArray();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final int maxBytes;
        private Flow.Subscription subscription;
        private long receivedBytes;

        CappedBody(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            delegate.getBody().whenComplete((bytes, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(bytes);
                }
            });
            delegate.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                receivedBytes += item.remaining();
            }
            if (receivedBytes > maxBytes) {
                subscription.cancel();
                result.completeExceptionally(new IOException(
                        "response body over " + maxBytes + " bytes (received " + receivedBytes + ")"));
                return;
            }
            delegate.onNext(items);
        }

        @Override
        public void onError(Throwable throwable) {
            delegate.onError(throwable);
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }
    }
}
