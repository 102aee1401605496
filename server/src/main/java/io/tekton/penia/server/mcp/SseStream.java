package io.tekton.penia.server.mcp;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import reactor.core.publisher.Mono;

/**
 * One Server-Sent Events stream on one HTTP response: the SDK's view of a POST reply
 * stream or of a session's listening (GET) stream.
 *
 * <p>The request's handler thread owns the response: it {@link #start starts} the stream,
 * parks in {@link #awaitClosed()} and {@link #finish finishes} it. Messages arrive from
 * Reactor threads meanwhile, so every write holds the stream's lock; a failed write marks
 * the stream broken and wakes the handler. Closing is lock-free so that a writer blocked
 * on a slow client never delays shutdown.
 */
final class SseStream implements McpStreamableServerTransport {
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPENED = ": stream open\n\n".getBytes(StandardCharsets.US_ASCII);

    /** How a stream announces itself, which is also when Helidon sends the headers. */
    enum Opening {
        /** Nothing until the first message (a POST reply to an older client). */
        SILENT,
        /** An SSE comment: headers go out at once, and every client ignores it. */
        COMMENT,
        /** An event with an id and empty data, which 2025-11-25 clients expect first. */
        PRIMING_EVENT
    }

    private final String id;
    private final ServerResponse response;
    private final McpJsonMapper jsonMapper;
    private final ReentrantLock lock = new ReentrantLock();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile long lastWriteNanos = System.nanoTime();

    // Guarded by lock.
    private OutputStream out;
    private long eventCount;
    private boolean broken;
    private boolean responseWritten;

    SseStream(String id, ServerResponse response, McpJsonMapper jsonMapper) {
        this.id = id;
        this.response = response;
        this.jsonMapper = jsonMapper;
    }

    /** The stream's id, the prefix of its event ids. */
    String id() {
        return id;
    }

    /**
     * Sets the SSE headers and opens the body; on the handler thread, once. {@code attach}
     * runs before the opening is written and under the write lock, so that the opening
     * comes first even when attaching lets messages flow at once.
     */
    void start(Opening opening, Runnable attach) throws IOException {
        response.status(Status.OK_200);
        response.headers().contentType(MediaTypes.TEXT_EVENT_STREAM);
        response.header(HeaderNames.CACHE_CONTROL, "no-cache, no-transform");
        response.header(HeaderNames.create("X-Accel-Buffering"), "no");
        lock.lock();
        try {
            if (out != null) {
                throw new IllegalStateException("SSE stream " + id + " started twice");
            }
            out = response.outputStream();
            attach.run();
            switch (opening) {
                case SILENT -> { }
                case COMMENT -> writeLocked(OPENED);
                case PRIMING_EVENT -> writeLocked(frameLocked(""));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return sendMessage(message, null);
    }

    /** Writes one message as one event; the SDK's message id is replaced by ours. */
    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
        return Mono.fromCallable(() -> {
            write(message);
            return Boolean.TRUE;
        }).then();
    }

    private void write(McpSchema.JSONRPCMessage message) throws IOException {
        String json = jsonMapper.writeValueAsString(message); // encode outside the lock
        lock.lock();
        try {
            if (out == null || broken || closed.isDone()) {
                throw new IOException("SSE stream " + id + " is closed");
            }
            writeLocked(frameLocked(json));
            if (message instanceof McpSchema.JSONRPCResponse) {
                responseWritten = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** True if nothing was written for {@code quietNanos} and the stream is still open. */
    boolean isQuiet(long quietNanos) {
        return !closed.isDone() && System.nanoTime() - lastWriteNanos >= quietNanos;
    }

    /**
     * Writes an SSE comment if nothing was written for {@code quietNanos}; skips a stream
     * that is busy writing, so that a slow client never holds the caller.
     */
    void keepAlive(long quietNanos) {
        if (!isQuiet(quietNanos) || !lock.tryLock()) {
            return;
        }
        try {
            if (out != null && !broken && !closed.isDone()) {
                writeLocked(KEEP_ALIVE);
            }
        } catch (IOException e) {
            // writeLocked has marked the stream broken and woken its handler.
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream: no more messages; the handler thread wakes and finishes it. */
    @Override
    public void close() {
        closed.complete(null);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::close);
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return jsonMapper.convertValue(data, typeRef);
    }

    /** Completes when the stream is closed by the SDK, by a failed write, or by us. */
    CompletableFuture<Void> closedFuture() {
        return closed;
    }

    /** Parks the handler thread until the stream is closed. */
    void awaitClosed() {
        closed.join();
    }

    /**
     * Finishes the response on the handler thread. If the stream never carried a response
     * and can still be written, {@code lastWords} (an error response for the request)
     * goes out first, so that the client is not left waiting.
     */
    void finish(McpSchema.JSONRPCResponse lastWords) {
        closed.complete(null);
        lock.lock();
        try {
            if (out == null || broken) {
                return;
            }
            if (lastWords != null && !responseWritten) {
                writeLocked(frameLocked(jsonMapper.writeValueAsString(lastWords)));
                responseWritten = true;
            }
            out.close();
        } catch (IOException | RuntimeException e) {
            // The client is gone; nothing more to tell it.
        } finally {
            lock.unlock();
        }
    }

    /** One event: our id, type {@code message}, and the JSON as data lines. */
    private byte[] frameLocked(String data) {
        StringBuilder event = new StringBuilder(data.length() + 64)
                .append("id: ").append(id).append('-').append(++eventCount).append('\n');
        if (data.isEmpty()) {
            event.append("data: \n");
        } else {
            event.append("event: message\n");
            // Jackson never emits raw line breaks, but SSE would split the data on them.
            for (String line : data.split("\r\n|\r|\n", -1)) {
                event.append("data: ").append(line).append('\n');
            }
        }
        return event.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private void writeLocked(byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
            lastWriteNanos = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            // Helidon reports a vanished peer as IOException or UncheckedIOException.
            broken = true;
            closed.complete(null);
            throw e instanceof IOException io ? io : new IOException("SSE write failed on stream " + id, e);
        }
    }
}
