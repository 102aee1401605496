package io.tekton.penia.server.mcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.modelcontextprotocol.common.McpTransportContext;

import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.ProtocolVersions;

/**
 * The live MCP sessions of one transport, bounded in number, each with its open streams
 * (bounded too) and the time of its last request.
 *
 * <p>A slot is reserved before a session is created, so that concurrent initializations
 * never exceed the bound. A session is idle when it has no open stream and no request came
 * for longer than the idle timeout. Housekeeping lives here too: closing idle sessions,
 * keep-alive comments on quiet streams, and the staged close of everything at shutdown.
 */
final class McpSessions {
    private static final System.Logger LOG = System.getLogger(McpSessions.class.getName());

    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
    private final AtomicInteger slotsTaken = new AtomicInteger();
    private final int maxSessions;
    private final int maxStreamsPerSession;
    private final long idleTimeoutNanos;

    McpSessions(int maxSessions, int maxStreamsPerSession, long idleTimeoutNanos) {
        this.maxSessions = maxSessions;
        this.maxStreamsPerSession = maxStreamsPerSession;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    int maxSessions() {
        return maxSessions;
    }

    int maxStreamsPerSession() {
        return maxStreamsPerSession;
    }

    /** Takes a slot for a session about to be created; false when all are taken. */
    boolean reserve() {
        if (slotsTaken.incrementAndGet() > maxSessions) {
            slotsTaken.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a reserved slot whose session was never added. */
    void release() {
        slotsTaken.decrementAndGet();
    }

    /** Adds a created session into a reserved slot; {@code openedBy} is its initialize request's context. */
    Entry add(McpStreamableServerSession session, McpTransportContext openedBy) {
        Entry entry = new Entry(session, openedBy);
        if (byId.putIfAbsent(entry.id(), entry) != null) {
            throw new IllegalStateException("duplicate MCP session id " + entry.id());
        }
        return entry;
    }

    Entry get(String sessionId) {
        return byId.get(sessionId);
    }

    /** Removes a session and frees its slot; null if it was already gone. */
    Entry remove(String sessionId) {
        Entry entry = byId.remove(sessionId);
        if (entry != null) {
            slotsTaken.decrementAndGet();
        }
        return entry;
    }

    private List<Entry> removeIdle(long nowNanos) {
        List<Entry> idle = new ArrayList<>();
        for (Entry entry : byId.values()) {
            if (entry.isIdle(nowNanos, idleTimeoutNanos) && byId.remove(entry.id(), entry)) {
                slotsTaken.decrementAndGet();
                idle.add(entry);
            }
        }
        return idle;
    }

    private List<Entry> removeAll() {
        List<Entry> all = new ArrayList<>();
        for (Entry entry : byId.values()) {
            if (byId.remove(entry.id(), entry)) {
                slotsTaken.decrementAndGet();
                all.add(entry);
            }
        }
        return all;
    }

    /** Closes the sessions idle at {@code nowNanos}, their streams and SDK sessions; returns how many. */
    int closeIdle(long nowNanos) {
        List<Entry> idle = removeIdle(nowNanos);
        for (Entry entry : idle) {
            entry.seal().forEach(SseStream::close);
            entry.session().closeGracefully().onErrorComplete().subscribe();
        }
        return idle.size();
    }

    /** Closes the sessions {@code which} selects, as idle ones are closed; returns how many. */
    int closeWhere(Predicate<Entry> which) {
        List<Entry> chosen = new ArrayList<>();
        for (Entry entry : byId.values()) {
            if (which.test(entry) && byId.remove(entry.id(), entry)) {
                slotsTaken.decrementAndGet();
                chosen.add(entry);
            }
        }
        for (Entry entry : chosen) {
            entry.seal().forEach(SseStream::close);
            entry.session().closeGracefully().onErrorComplete().subscribe();
        }
        return chosen.size();
    }

    /** Pings streams quiet for {@code quietNanos}, each from a virtual thread so a stuck client stalls only itself. */
    void keepAlive(long quietNanos) {
        for (Entry entry : byId.values()) {
            for (SseStream stream : entry.streams()) {
                if (stream.isQuiet(quietNanos)) {
                    Thread.ofVirtual().name("penia-mcp-keepalive").start(() -> stream.keepAlive(quietNanos));
                }
            }
        }
    }

    /**
     * Closes every session in three steps: seal them and end their listening streams; wait
     * up to {@code drain} for the request streams in flight; then close the SDK sessions,
     * which cuts what is still open and fails the server's pending requests. Returns how
     * many sessions were closed.
     */
    int closeAll(Duration drain, Duration sdkTimeout) {
        List<Entry> all = removeAll();
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (Entry entry : all) {
            SseStream listening = entry.listening();
            for (SseStream stream : entry.seal()) {
                if (stream == listening) {
                    stream.close();
                } else {
                    inFlight.add(stream.closedFuture());
                }
            }
        }
        awaitDrained(inFlight, drain);
        for (Entry entry : all) {
            try {
                entry.session().closeGracefully().onErrorComplete().block(sdkTimeout);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing MCP session " + entry.id() + " failed", e);
            }
            entry.streams().forEach(SseStream::close);
        }
        return all.size();
    }

    private static void awaitDrained(List<CompletableFuture<Void>> inFlight, Duration drain) {
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .get(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.INFO, () -> "MCP shutdown: cutting " + inFlight.stream()
                    .filter(f -> !f.isDone()).count() + " request streams still open after " + drain.toMillis() + "ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Stream futures only ever complete normally.
        }
    }

    Collection<Entry> all() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    /** One session: the SDK's object plus what the transport tracks about it. */
    final class Entry {
        private final McpStreamableServerSession session;
        private final McpTransportContext openedBy;
        private final AtomicLong streamCount = new AtomicLong();
        private volatile long lastRequestNanos = System.nanoTime();
        private volatile String protocolVersion = ProtocolVersions.MCP_2025_03_26;

        // Guarded by this.
        private final Set<SseStream> streams = new HashSet<>();
        private SseStream listening;
        private boolean sealed;

        private Entry(McpStreamableServerSession session, McpTransportContext openedBy) {
            this.session = session;
            this.openedBy = openedBy;
        }

        /** The context its initialize request was admitted with (who opened it). */
        McpTransportContext openedBy() {
            return openedBy;
        }

        String id() {
            return session.getId();
        }

        McpStreamableServerSession session() {
            return session;
        }

        /** The protocol version negotiated at initialization. */
        String protocolVersion() {
            return protocolVersion;
        }

        void protocolVersion(String version) {
            this.protocolVersion = version;
        }

        /** Records a request on this session. */
        void touch() {
            lastRequestNanos = System.nanoTime();
        }

        /** A fresh id for the next stream of this session. */
        String nextStreamId() {
            return Long.toString(streamCount.incrementAndGet());
        }

        /** Registers an open stream; false if the session is sealed or at its stream bound. */
        synchronized boolean openStream(SseStream stream) {
            if (sealed || streams.size() >= maxStreamsPerSession) {
                return false;
            }
            streams.add(stream);
            touch();
            return true;
        }

        /** Forgets a finished stream. */
        synchronized void streamEnded(SseStream stream) {
            streams.remove(stream);
            if (listening == stream) {
                listening = null;
            }
            touch();
        }

        /**
         * Makes {@code stream} the session's listening stream, in the SDK too, and closes
         * the one it replaces. Under the lock so that two concurrent GETs agree.
         */
        synchronized McpStreamableServerSession.McpStreamableServerSessionStream listenOn(SseStream stream) {
            SseStream previous = listening;
            listening = stream;
            McpStreamableServerSession.McpStreamableServerSessionStream sdkStream = session.listeningStream(stream);
            if (previous != null) {
                previous.close();
            }
            return sdkStream;
        }

        /** The open streams, a snapshot. */
        synchronized List<SseStream> streams() {
            return new ArrayList<>(streams);
        }

        /** The listening stream, if one is open. */
        synchronized SseStream listening() {
            return listening;
        }

        /** Refuses further streams and returns those still open. */
        synchronized List<SseStream> seal() {
            sealed = true;
            return new ArrayList<>(streams);
        }

        private synchronized boolean isIdle(long nowNanos, long idleNanos) {
            return streams.isEmpty() && nowNanos - lastRequestNanos > idleNanos;
        }
    }
}
