package io.tekton.penia.server.cluster;

import java.net.URI;
import java.util.Optional;

/**
 * Which Penia instance serves the budgets now. Several instances over one database elect one
 * leader (the one holding the database's leadership lock): it runs the engine, so holds,
 * the ledger and alerts stay exact by construction. Every other instance is a follower: it
 * forwards API requests to the leader ({@link Forwarder}) and relays WebSockets from it
 * ({@link WsRelay}), and runs no background job.
 *
 * <p>Read on every request, so implementations answer from memory.
 */
public interface LeaderView {
    /** True when this instance serves requests itself and runs the background jobs. */
    boolean isLeader();

    /**
     * The leader's base URL ({@code http://host:port}) when this instance follows a known leader;
     * empty while it leads, or while no leader is known (followers then answer 503).
     */
    Optional<URI> leader();

    /** Registers a listener told after every change of role or leader (on the changing thread). */
    void addListener(Listener listener);

    /** Told of a change; reads the new state from the view. */
    @FunctionalInterface
    interface Listener {
        void changed(LeaderView view);
    }

    /** One instance alone: always the leader (Penia on SQLite, the default). */
    static LeaderView standalone() {
        return Standalone.INSTANCE;
    }

    /** The view that instances over a shared database (and tests) switch. */
    static Settable settable() {
        return new Settable();
    }

    /** The view of a single instance: it leads, nothing ever changes. */
    enum Standalone implements LeaderView {
        INSTANCE;

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public Optional<URI> leader() {
            return Optional.empty();
        }

        @Override
        public void addListener(Listener listener) {
            // nothing ever changes
        }
    }

    /**
     * A view switched from outside: {@link #lead()} when this instance got the leadership,
     * {@link #follow(URI)} when another holds it, {@link #unknown()} when none is known.
     * Starts knowing no leader: a server started with it serves no API request (503) and runs no
     * background job until told, so it never acts as leader before holding the lock.
     */
    final class Settable implements LeaderView {
        /** One immutable snapshot, so a reader never sees "follower" with the old leader's URL. */
        private record State(boolean leader, URI leaderUrl) {
        }

        private volatile State state = new State(false, null);
        private final java.util.List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

        private Settable() {
        }

        /** This instance leads from now on. */
        public void lead() {
            set(new State(true, null));
        }

        /** Another instance leads, at this base URL ({@code http://host:port}, no path). */
        public void follow(URI leaderBaseUrl) {
            java.util.Objects.requireNonNull(leaderBaseUrl, "leaderBaseUrl");
            if (leaderBaseUrl.getScheme() == null || leaderBaseUrl.getHost() == null) {
                throw new IllegalArgumentException("the leader's URL needs a scheme and a host: " + leaderBaseUrl);
            }
            set(new State(false, leaderBaseUrl));
        }

        /** No leader known (the lock is free or being taken over): followers answer 503. */
        public void unknown() {
            set(new State(false, null));
        }

        private void set(State next) {
            State before;
            synchronized (this) {
                before = state;
                state = next;
            }
            if (!before.equals(next)) {
                listeners.forEach(l -> l.changed(this));
            }
        }

        @Override
        public boolean isLeader() {
            return state.leader();
        }

        @Override
        public Optional<URI> leader() {
            return Optional.ofNullable(state.leaderUrl());
        }

        @Override
        public void addListener(Listener listener) {
            listeners.add(listener);
        }
    }
}
