package io.tekton.penia.server.ws;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.Caller;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One WebSocket connection: its subscriptions, its bounded outgoing queue and the writer that
 * drains it. Helidon calls the listener methods on the connection's reader thread; engine
 * events arrive through {@link #offer} on any thread and are only enqueued.
 *
 * <p>Helidon 4.2's session is not safe for concurrent sends, so every send goes through
 * {@link #sendLock}, and in practice only the writer sends.
 */
final class WsClient implements WsListener {
    private static final System.Logger LOG = System.getLogger(WsClient.class.getName());
    /** The largest client message accepted, in characters; larger ones get an error reply. */
    static final int MAX_MESSAGE_CHARS = 64 * 1024;
    /** How long the reader waits for the writer before answering a client's close itself. */
    private static final long CLOSE_REPLY_WAIT_MILLIS = 200;
    private static final HeaderName API_KEY = HeaderNames.create("X-API-Key");

    enum State { NEW, OPEN, CLOSING, DONE }

    private final WebSocketHub hub;
    private final long id;
    private final int queueLimit;
    private final BlockingQueue<Frame> queue;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    /** The channels subscribed to; changed only on the reader thread (the hub keeps the reverse index). */
    private final EnumSet<WsChannel> channels = EnumSet.noneOf(WsChannel.class);
    private final StringBuilder partial = new StringBuilder();
    private boolean partialTooLarge;
    private boolean closeSent;
    private volatile Frame last;
    private volatile WsSession session;
    /** Who connected (set at the upgrade): events are offered only if this caller may read them. */
    private volatile Caller caller = Caller.LOCAL_ADMIN;
    private volatile Thread writer;
    private volatile long lastSentNanos = System.nanoTime();
    private volatile long sendStartedNanos;

    Caller caller() {
        return caller;
    }

    WsClient(WebSocketHub hub, long id, int queueLimit) {
        this.hub = hub;
        this.id = id;
        this.queueLimit = queueLimit;
        this.queue = new LinkedBlockingQueue<>(queueLimit);
    }

    // ---- Helidon callbacks (reader thread) ---------------------------------------------

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        Optional<PeniaException> refused = hub.gate().checkUpgrade(headers);
        if (refused.isPresent()) {
            throw refusal(refused.get());
        }
        switch (hub.gate().admit(apiKey(prologue, headers))) {
            case WsGate.Refuse r -> throw refusal(r.error());
            case WsGate.Admit a -> caller = a.caller();
        }
        return Optional.empty();
    }

    private static RequestException refusal(PeniaException e) {
        return RequestException.builder().type(DirectHandler.EventType.FORBIDDEN)
                .status(Status.create(e.code().httpStatus())).message(e.getMessage()).safeMessage(true).build();
    }

    @Override
    public void onOpen(WsSession s) {
        session = s;
        String refusal = hub.admit(this);
        if (refusal != null) {
            // No writer exists yet, so this thread may send.
            state.set(State.DONE);
            closeSent = true;
            s.close(WsCloseCodes.TRY_AGAIN_LATER, refusal);
            return;
        }
        state.set(State.OPEN);
        writer = Thread.ofVirtual().name("penia-ws-writer-" + id).start(this::drain);
    }

    @Override
    public void onMessage(WsSession s, String text, boolean last) {
        if (partial.length() + text.length() > MAX_MESSAGE_CHARS) {
            partialTooLarge = true;
            partial.setLength(0);
        } else if (!partialTooLarge) {
            partial.append(text);
        }
        if (!last) {
            return;
        }
        boolean tooLarge = partialTooLarge;
        String message = partial.toString();
        partial.setLength(0);
        partialTooLarge = false;
        if (tooLarge) {
            offer(Frame.error(new PeniaException(ErrorCode.PAYLOAD_TOO_LARGE, "message exceeds the limit of "
                    + MAX_MESSAGE_CHARS + " characters", Map.of("limit_chars", MAX_MESSAGE_CHARS))));
            return;
        }
        try {
            handle(Inbound.parse(message));
        } catch (PeniaException e) {
            offer(Frame.error(e));
        }
    }

    @Override
    public void onMessage(WsSession s, BufferData buffer, boolean last) {
        if (last) {
            offer(Frame.error(new PeniaException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "binary messages are not supported; send JSON text")));
        }
    }

    @Override
    public void onPing(WsSession s, BufferData buffer) {
        byte[] payload = new byte[buffer.available()];
        buffer.read(payload);
        offer(Frame.pong(payload));
    }

    @Override
    public void onClose(WsSession s, int status, String reason) {
        State before = state.getAndSet(State.DONE);
        hub.remove(this);
        last = Frame.STOP;
        queue.clear();
        queue.offer(Frame.WAKE);
        if (before == State.DONE) {
            return;
        }
        // Helidon answers the close after this returns, without our lock; answer it here
        // under the lock instead, so it never interleaves with a frame the writer is sending.
        try {
            if (sendLock.tryLock(CLOSE_REPLY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                try {
                    if (!closeSent) {
                        closeSent = true;
                        s.close(WsCloseCodes.NORMAL_CLOSE, "normal");
                    }
                } finally {
                    sendLock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "ws-" + id + ": close reply failed: " + e);
        }
    }

    @Override
    public void onError(WsSession s, Throwable t) {
        LOG.log(System.Logger.Level.DEBUG, () -> "ws-" + id + ": " + t);
    }

    private void handle(Inbound message) {
        switch (message) {
            case Inbound.Subscribe sub -> offer(Frame.channels("subscribed", change(sub.channels(), true)));
            case Inbound.Unsubscribe unsub -> offer(Frame.channels("unsubscribed", change(unsub.channels(), false)));
            case Inbound.Ping ping -> offer(Frame.message("pong", null, null));
        }
    }

    /** Applies a (un)subscription here and in the hub's index; returns the channels now subscribed. */
    private EnumSet<WsChannel> change(List<WsChannel> which, boolean add) {
        for (WsChannel c : which) {
            if (add) {
                channels.add(c);
                hub.subscribers(c).add(this);
            } else {
                channels.remove(c);
                hub.subscribers(c).remove(this);
            }
        }
        if (state.get() != State.OPEN) {
            // Closed meanwhile: the hub may already have dropped this client; don't re-add it.
            hub.remove(this);
        }
        return EnumSet.copyOf(channels);
    }

    // ---- outgoing ------------------------------------------------------------------------

    /** Enqueues a frame; never blocks. A full queue disconnects the client. */
    void offer(Frame f) {
        if (state.get() != State.OPEN) {
            return;
        }
        if (!queue.offer(f)) {
            evict(WsCloseCodes.VIOLATED_POLICY, "too slow: outgoing queue of " + queueLimit + " frames full");
        }
    }

    /**
     * Disconnects the client: pending frames are dropped, a close frame is sent, and if the
     * client has not completed the close within the grace period its socket is closed.
     */
    void evict(int code, String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, () -> "ws-" + id + " " + peer() + ": disconnecting (" + code + "): " + reason);
        hub.remove(this);
        hub.evicted();
        last = Frame.close(code, reason);
        queue.clear();
        queue.offer(Frame.WAKE);
        hub.afterGrace(this::forceClose);
    }

    /** Closes gracefully: frames already queued are still sent, then the close frame. */
    void shutdown(int code, String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
            return;
        }
        last = Frame.close(code, reason);
        queue.offer(Frame.WAKE);
    }

    /** True while the writer is alive. */
    boolean writing() {
        Thread w = writer;
        return w != null && w.isAlive();
    }

    /**
     * Closes the socket under the connection; unblocks a writer stuck on a client that stopped
     * reading. Skipped when the peer completed the close and the writer has finished.
     */
    void forceClose() {
        if (state.getAndSet(State.DONE) == State.DONE && !writing()) {
            return;
        }
        hub.remove(this);
        WsSession s = session;
        if (s == null) {
            return;
        }
        try {
            if (s.socketContext() instanceof ConnectionContext cc) {
                cc.serverSocket().close();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "ws-" + id + ": socket close failed: " + e);
        }
        if (s instanceof ServerConnection sc) {
            // Stops Helidon's reader loop as well (interrupting it also closes its socket).
            sc.close(true);
        }
    }

    /** Waits up to {@code nanos} for the writer to finish. */
    void awaitWriter(long nanos) {
        Thread w = writer;
        if (w == null) {
            return;
        }
        try {
            w.join(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Frames waiting to be sent. */
    int queued() {
        return queue.size();
    }

    /** Nanoseconds the current send has been blocked, 0 when not sending. */
    long sendBlockedNanos(long now) {
        long started = sendStartedNanos;
        return started == 0 ? 0 : now - started;
    }

    /** True when nothing was sent for {@code nanos} and nothing is waiting. */
    boolean idleFor(long nanos, long now) {
        return queue.isEmpty() && sendStartedNanos == 0 && now - lastSentNanos >= nanos;
    }

    private void drain() {
        try {
            while (true) {
                Frame f = queue.poll();
                if (f == null) {
                    Frame end = last;
                    if (end != null) {
                        if (end != Frame.STOP) {
                            send(end);
                        }
                        return;
                    }
                    f = queue.take();
                }
                if (f.kind() == Frame.Kind.WAKE || last == Frame.STOP) {
                    continue;
                }
                send(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The socket failed or was closed under us: the peer is gone.
            LOG.log(System.Logger.Level.DEBUG, () -> "ws-" + id + ": write failed: " + e);
            hub.remove(this);
            if (state.get() != State.DONE) {
                forceClose();
            }
        }
    }

    private void send(Frame f) {
        WsSession s = session;
        sendLock.lock();
        try {
            sendStartedNanos = System.nanoTime();
            switch (f.kind()) {
                case TEXT -> s.send(f.text(), true);
                case PING -> s.ping(BufferData.create(f.payload()));
                case PONG -> s.pong(BufferData.create(f.payload()));
                case CLOSE -> {
                    if (!closeSent) {
                        closeSent = true;
                        s.close(f.closeCode(), f.reason());
                    }
                }
                case WAKE -> {
                }
            }
        } finally {
            long now = System.nanoTime();
            sendStartedNanos = 0;
            lastSentNanos = now;
            sendLock.unlock();
        }
    }

    private String peer() {
        try {
            WsSession s = session;
            return s == null ? "?" : String.valueOf(s.socketContext().remotePeer().address());
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String apiKey(HttpPrologue prologue, Headers headers) {
        Optional<String> key = headers.first(API_KEY);
        if (key.isPresent()) {
            return key.get();
        }
        // Browsers cannot set headers on a WebSocket, so a dashboard passes ?api_key= instead.
        return headers.first(HeaderNames.AUTHORIZATION)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(v -> v.substring(7).trim())
                .or(() -> prologue.query().first("api_key").asOptional())
                .orElse(null);
    }
}
