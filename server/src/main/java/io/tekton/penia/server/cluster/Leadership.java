package io.tekton.penia.server.cluster;

import io.tekton.penia.engine.store.postgres.PgLeaderLock;
import io.tekton.penia.engine.store.postgres.PgUrl;

import java.net.URI;
import java.util.Objects;

/**
 * Elects the one leader of several Penia instances over one PostgreSQL database and keeps the
 * {@link LeaderView} of this instance up to date (used only with PostgreSQL; a SQLite Penia runs
 * alone).
 *
 * <p>The leader is the instance whose dedicated connection (not one of the pool's) holds the
 * session advisory lock {@link PgLeaderLock#LOCK_KEY}. Every {@link #TRY_EVERY_MS} a follower tries
 * to take it. The winner, in order: raises {@code cluster_leader.epoch} and writes its id and
 * advertised URL there (one transaction); hands the new epoch to {@link Promotion#promoted} (the
 * server reloads its engine from the committed ledger and installs the fence {@link
 * PgLeaderLock#fence} on its writer, so that every write transaction fails unless the row still
 * has this epoch); {@code NOTIFY penia_leader}; then {@link LeaderView.Settable#lead()}. Followers
 * {@code LISTEN penia_leader} and also re-read the row every second, and follow the URL it names.
 * The SQL of all this is {@link PgLeaderLock}'s; this class is the state machine over it.
 *
 * <p>A leader whose lock connection fails (PostgreSQL restarted, network) turns {@link
 * LeaderView.Settable#unknown() unknown} at once (requests get 503 with Retry-After) and
 * tries again; winning again, it reloads again. A leader that lost its lock without noticing
 * can still write only until the next leader raises the epoch, which waits for its
 * transactions in flight (the row lock): what it committed before is in the ledger the next
 * leader loads, what comes after fails.
 */
public final class Leadership implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Leadership.class.getName());

    /** How often a follower tries the lock (and a leader checks its connection), in ms. */
    public static final int TRY_EVERY_MS = 250;
    /** How often a follower re-reads the leader's row without a notification, in ms. */
    private static final int READ_EVERY_MS = 1_000;

    /** What the server does on winning, before it serves: reload from the ledger, fence its writer. */
    @FunctionalInterface
    public interface Promotion {
        void promoted(long epoch) throws Exception;
    }

    private final PgUrl db;
    private final String instanceId;
    private final URI advertised;
    private final LeaderView.Settable view;
    private final Promotion promotion;
    private final Object wake = new Object();
    private final Thread thread;
    private volatile boolean closed;
    private volatile long epoch;
    private volatile PgLeaderLock conn;
    private volatile long electedAtMs;
    /** Open once the first round (a try of the lock, and a promotion or a read of the row) is over. */
    private final java.util.concurrent.CountDownLatch firstRound = new java.util.concurrent.CountDownLatch(1);

    public Leadership(PgUrl db, String instanceId, URI advertised, LeaderView.Settable view, Promotion promotion) {
        this.db = Objects.requireNonNull(db, "db");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.advertised = Objects.requireNonNull(advertised, "advertised");
        this.view = Objects.requireNonNull(view, "view");
        this.promotion = Objects.requireNonNull(promotion, "promotion");
        this.thread = Thread.ofPlatform().daemon().name("penia-leadership").unstarted(this::run);
    }

    /** Starts trying (in its own thread). */
    public Leadership start() {
        thread.start();
        return this;
    }

    /**
     * Waits (at most {@code max}) until the first round is over: this instance leads, follows the
     * leader the row names, or found the database unreachable. A server waits for it before it
     * says it is up, so a lone instance serves at once.
     */
    public boolean awaitFirstRound(java.time.Duration max) {
        try {
            return firstRound.await(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** This instance's id (in {@code cluster_leader.instance_id}). */
    public String instanceId() {
        return instanceId;
    }

    /** The URL other instances forward to while this one leads. */
    public URI advertised() {
        return advertised;
    }

    /** The epoch this instance leads with; 0 while it does not lead. */
    public long epoch() {
        return view.isLeader() ? epoch : 0;
    }

    /** When (epoch ms) this instance last became the leader; 0 if never. */
    public long electedAtMs() {
        return electedAtMs;
    }

    private void run() {
        long lastRead = 0;
        while (!closed) {
            try {
                PgLeaderLock c = connection();
                if (view.isLeader()) {
                    heartbeat(c);
                    c.awaitNotification(TRY_EVERY_MS);
                    continue;
                }
                if (c.tryLock()) {
                    promote(c);
                    firstRound.countDown();
                    continue;
                }
                long now = System.currentTimeMillis();
                if (now - lastRead >= READ_EVERY_MS) {
                    lastRead = now;
                    followRow(c.read());
                    firstRound.countDown();
                }
                if (c.awaitNotification(TRY_EVERY_MS)) {
                    lastRead = System.currentTimeMillis();
                    followRow(c.read());
                }
            } catch (Exception e) {
                if (closed) {
                    break;
                }
                lost(e);
                firstRound.countDown();
                pause(TRY_EVERY_MS);
            }
        }
        dropConnection();
    }

    private PgLeaderLock connection() {
        PgLeaderLock c = conn;
        if (c != null) {
            return c;
        }
        c = PgLeaderLock.open(db);
        conn = c;
        return c;
    }

    /** Holding the lock: raise the epoch, let the server reload and fence, tell the others, lead. */
    private void promote(PgLeaderLock c) throws Exception {
        long started = System.nanoTime();
        long won = c.promote(instanceId, advertised.toString(), System.currentTimeMillis());
        epoch = won;
        promotion.promoted(won);
        electedAtMs = System.currentTimeMillis();
        view.lead();
        c.announce(won);
        LOG.log(System.Logger.Level.INFO, "this instance (" + instanceId + ", " + advertised + ") leads with epoch "
                + won + " (took over in " + (System.nanoTime() - started) / 1_000_000 + " ms)");
    }

    /** While leading: the lock's connection answers and the row still names this epoch. */
    private void heartbeat(PgLeaderLock c) {
        PgLeaderLock.Leader row = c.read();
        if (row.epoch() != epoch || !instanceId.equals(row.instanceId())) {
            throw new IllegalStateException("the leadership passed to " + row.instanceId() + " (epoch " + row.epoch() + ")");
        }
    }

    private void followRow(PgLeaderLock.Leader row) {
        if (row.url() == null || instanceId.equals(row.instanceId())) {
            // Nobody has led yet, or the row names this instance's own earlier term: it is over.
            view.unknown();
            return;
        }
        try {
            view.follow(URI.create(row.url()));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "cluster_leader names an unusable URL '" + row.url() + "'");
            view.unknown();
        }
    }

    /** The connection failed (or the leadership passed): no leader known until the next try. */
    private void lost(Exception e) {
        boolean wasLeader = view.isLeader();
        dropConnection();
        view.unknown();
        if (wasLeader) {
            LOG.log(System.Logger.Level.WARNING, "this instance lost the leadership (epoch " + epoch + "): "
                    + e.getMessage() + "; answering 503 until a leader is known");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "leadership: " + e.getMessage());
        }
    }

    private void dropConnection() {
        PgLeaderLock c = conn;
        conn = null;
        if (c != null) {
            c.close();
        }
    }

    private void pause(int ms) {
        synchronized (wake) {
            try {
                wake.wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /**
     * Stops trying and gives the lock up (closing its connection); another instance takes over
     * within {@link #TRY_EVERY_MS}.
     */
    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropConnection();
        view.unknown();
    }

    /**
     * For tests of a leader that dies: closes the lock's connection at once, as a killed process's
     * would be closed, without a handover (the thread notices and tries again).
     */
    public void severConnection() {
        PgLeaderLock c = conn;
        if (c != null) {
            c.sever();
        }
    }
}
