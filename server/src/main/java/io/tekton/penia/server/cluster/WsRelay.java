package io.tekton.penia.server.cluster;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * {@code /ws} on a follower: each client's WebSocket is paired with one to the leader's
 * {@code /ws}, opened at the client's upgrade with the client's key, and text frames are
 * passed both ways in order. The leader authenticates (a refused key refuses the client's
 * upgrade with the leader's status), filters events and closes; its close code and reason
 * reach the client unchanged (a revoked key: 1008). When the link to the leader fails, or the
 * leader changes, the client is closed with 1012 (service restart) and reconnects.
 */
public final class WsRelay {
    private static final System.Logger LOG = System.getLogger(WsRelay.class.getName());
    private static final HeaderName API_KEY = HeaderNames.create("X-API-Key");

    private final LeaderView view;
    private final Function<Headers, Optional<PeniaException>> browserCheck;
    private final int maxConnections;
    private final Duration connectTimeout;
    private final HttpClient client;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();

    /**
     * @param view           who leads
     * @param browserCheck   this instance's {@code Host} and {@code Origin} rules for the upgrade
     * @param maxConnections relayed connections at once (websocket.max_connections)
     * @param connectTimeout how long the opening handshake with the leader may take
     */
    public WsRelay(LeaderView view, Function<Headers, Optional<PeniaException>> browserCheck, int maxConnections,
                   Duration connectTimeout) {
        this.view = view;
        this.browserCheck = browserCheck;
        this.maxConnections = maxConnections;
        this.connectTimeout = connectTimeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** The listener for one new client connection. */
    public WsListener connection() {
        return new Connection();
    }

    /** Relayed connections open now. */
    public int clients() {
        return open.size();
    }

    /** Closes every relayed connection (the leader changed, or this instance now leads). */
    public void closeAll(int code, String reason) {
        for (Connection c : open) {
            c.closeClient(code, reason);
            c.abortUpstream();
        }
    }

    private static RequestException refusal(int status, String message) {
        return RequestException.builder().type(DirectHandler.EventType.FORBIDDEN)
                .status(Status.create(status)).message(message).safeMessage(true).build();
    }

    /** One client and its link to the leader. */
    private final class Connection implements WsListener, WebSocket.Listener {
        private final ReentrantLock sendLock = new ReentrantLock();
        private final AtomicBoolean counted = new AtomicBoolean();
        private final AtomicBoolean clientClosed = new AtomicBoolean();
        private final StringBuilder upstreamText = new StringBuilder();
        private volatile WebSocket upstream;
        private volatile WsSession session;

        // ---- the client (Helidon's reader thread) -----------------------------------------

        @Override
        public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
            Optional<PeniaException> refused = browserCheck.apply(headers);
            if (refused.isPresent()) {
                throw refusal(refused.get().code().httpStatus(), refused.get().getMessage());
            }
            Optional<URI> leader = view.isLeader() ? Optional.empty() : view.leader();
            if (leader.isEmpty() || Forwarder.forwardedBefore(headers.all(HeaderNames.VIA, java.util.List::of))) {
                throw refusal(ErrorCode.UNAVAILABLE.httpStatus(), "no leader is known; retry shortly");
            }
            if (count.incrementAndGet() > maxConnections) {
                count.decrementAndGet();
                throw refusal(ErrorCode.UNAVAILABLE.httpStatus(), "too many WebSocket connections (limit "
                        + maxConnections + ")");
            }
            counted.set(true);
            try {
                upstream = connect(leader.get(), prologue, headers);
            } catch (RuntimeException e) {
                release();
                throw e;
            }
            return Optional.empty();
        }

        /**
         * Opens the leader's {@code /ws} with the client's key as the client sent it:
         * {@code X-API-Key}, {@code Authorization} or {@code ?api_key=} (the query is passed
         * whole). {@code Origin} is not passed: it was judged here, and the leader would judge it
         * against its own address.
         */
        private WebSocket connect(URI leader, HttpPrologue prologue, Headers headers) {
            String query = prologue.query().rawValue();
            URI target = URI.create((leader.getScheme().equals("https") ? "wss" : "ws") + "://"
                    + leader.getRawAuthority() + "/ws" + (query.isEmpty() ? "" : "?" + query));
            WebSocket.Builder b = client.newWebSocketBuilder().connectTimeout(connectTimeout);
            headers.first(API_KEY).ifPresent(k -> b.header(API_KEY.defaultCase(), k));
            headers.first(HeaderNames.AUTHORIZATION).ifPresent(a -> b.header("Authorization", a));
            b.header("Via", Forwarder.VIA);
            try {
                return b.buildAsync(target, this).get(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof WebSocketHandshakeException h) {
                    int status = h.getResponse().statusCode();
                    throw refusal(status, "the leader refused the WebSocket (HTTP " + status + ")");
                }
                LOG.log(System.Logger.Level.WARNING, "WebSocket to the leader at " + leader + " failed: " + e.getCause());
                throw refusal(ErrorCode.UNAVAILABLE.httpStatus(), "the leader did not answer; retry shortly");
            } catch (TimeoutException e) {
                throw refusal(ErrorCode.UNAVAILABLE.httpStatus(), "the leader did not answer; retry shortly");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw refusal(ErrorCode.UNAVAILABLE.httpStatus(), "interrupted");
            }
        }

        @Override
        public void onOpen(WsSession s) {
            session = s;
            open.add(this);
            WebSocket up = upstream;
            if (up != null) {
                // The leader's frames are taken one at a time from now on: each is sent to the client
                // before the next is requested, so order is kept and a slow client slows the link.
                up.request(1);
            }
        }

        @Override
        public void onMessage(WsSession s, String text, boolean last) {
            try {
                upstream.sendText(text, last).get(connectTimeout.toMillis() * 5, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                linkLost(e);
            }
        }

        @Override
        public void onMessage(WsSession s, BufferData buffer, boolean last) {
            // Penia's /ws speaks JSON text; the leader answers binary with an error frame, and so is it told.
            byte[] b = new byte[buffer.available()];
            buffer.read(b);
            try {
                upstream.sendBinary(java.nio.ByteBuffer.wrap(b), last).get(connectTimeout.toMillis() * 5,
                        TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                linkLost(e);
            }
        }

        @Override
        public void onPing(WsSession s, BufferData buffer) {
            // Answered here: a ping checks this connection, not the leader's.
            byte[] b = new byte[buffer.available()];
            buffer.read(b);
            send(() -> s.pong(BufferData.create(b)));
        }

        @Override
        public void onClose(WsSession s, int status, String reason) {
            clientClosed.set(true);
            release();
            WebSocket up = upstream;
            if (up != null && !up.isOutputClosed()) {
                int code = sendable(status) ? status : WebSocket.NORMAL_CLOSURE;
                up.sendClose(code, reason == null ? "" : reason).whenComplete((w, e) -> up.abort());
            }
        }

        @Override
        public void onError(WsSession s, Throwable t) {
            LOG.log(System.Logger.Level.DEBUG, () -> "relayed WebSocket client error: " + t);
            abortUpstream();
        }

        // ---- the leader (java.net.http's threads) -----------------------------------------

        @Override
        public void onOpen(WebSocket webSocket) {
            // Nothing is requested until the client's socket is open (see onOpen(WsSession)).
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            // Sent whole: java.net.http may cut a message anywhere, even inside a surrogate pair.
            upstreamText.append(data);
            if (last) {
                String text = upstreamText.toString();
                upstreamText.setLength(0);
                send(() -> session.send(text, true));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeClient(sendable(statusCode) ? statusCode : WsCloseCodes.SERVICE_RESTART, reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            linkLost(error);
        }

        // ---- both ------------------------------------------------------------------------

        private void linkLost(Throwable e) {
            LOG.log(System.Logger.Level.INFO, () -> "WebSocket link to the leader lost: " + e);
            closeClient(WsCloseCodes.SERVICE_RESTART, "the link to the leader was lost; reconnect");
            abortUpstream();
        }

        void closeClient(int code, String reason) {
            if (session == null || !clientClosed.compareAndSet(false, true)) {
                return;
            }
            release();
            String r = reason == null ? "" : reason;
            send(() -> session.close(code, r));
        }

        void abortUpstream() {
            WebSocket up = upstream;
            if (up != null) {
                up.abort();
            }
        }

        private void send(Runnable action) {
            sendLock.lock();
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "relayed WebSocket send failed: " + e);
                abortUpstream();
            } finally {
                sendLock.unlock();
            }
        }

        private void release() {
            open.remove(this);
            if (counted.compareAndSet(true, false)) {
                count.decrementAndGet();
            }
        }
    }

    /** Codes that may be sent in a close frame (1005, 1006 and 1015 only report what happened). */
    private static boolean sendable(int code) {
        return code >= 1000 && code <= 4999 && code != 1004 && code != 1005 && code != 1006 && code != 1015;
    }
}
