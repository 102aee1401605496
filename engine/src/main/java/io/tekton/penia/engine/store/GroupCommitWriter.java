package io.tekton.penia.engine.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The group commit both backends' writers share: a bounded queue of writes, one thread that
 * takes every write pending, hands them as one batch to the backend's {@link #commit} and only
 * then lets their futures complete, the counters, the failure state {@code /health} reads, and
 * a close that commits what is queued first. A backend says how one batch is committed (and what
 * it does when that fails: one write at a time through {@link #oneByOne}, reconnecting, ...), how
 * it probes a database that refuses writes, and how it forgets a batch the loop itself failed.
 *
 * <p>Every accepted write gets an answer (the engine waits for commits without a time limit):
 * committed, failed, or refused at close; a future completes successfully only after its
 * transaction is committed.
 *
 * @param <T> the backend's kind of write
 */
public abstract class GroupCommitWriter<T extends Write> implements CommitQueue {
    /** While failing, an idle writer probes (or tries to reach the database) at most this often. */
    protected static final long PROBE_EVERY_NANOS = 1_000_000_000L;

    /** A queued write and the future its submitter waits on. */
    protected record Pending<W>(W write, CompletableFuture<Void> done) {
    }

    /** The backend's logger (named after its class). */
    protected final System.Logger log = System.getLogger(getClass().getName());
    private final String writeKind;
    private final BlockingQueue<Pending<T>> queue;
    private final int maxBatch;
    private final long closeWaitMs;
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final CommitTimes commitTimes = new CommitTimes();
    private volatile boolean running = true;
    /** Why the database refuses writes (busy, read-only, full, down...), null while it takes them. */
    private volatile String failing;
    private volatile long failingSinceMs;
    private long lastAttemptNanos;

    /**
     * The writer thread is made here and started by {@link #start}, once the backend has its
     * connection and statements.
     *
     * @param threadName  the writer thread's name
     * @param writeKind   what this backend's writes are called, in the refusal of another's
     * @param closeWaitMs how long {@link #close} waits for the queued writes to commit
     */
    protected GroupCommitWriter(String threadName, String writeKind, int queueCapacity, int maxBatch, long closeWaitMs) {
        this.writeKind = writeKind;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.maxBatch = maxBatch;
        this.closeWaitMs = closeWaitMs;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::loop);
    }

    /** Starts the writer thread (the last step of the backend's constructor). */
    protected final void start() {
        thread.start();
    }

    // ---- what a backend does --------------------------------------------------------------

    /** This backend's form of {@code write} (several as one for a {@link Write.All}), or null for another backend's. */
    protected abstract T own(Write write);

    /**
     * Commits the batch in one transaction and answers each of its writes (by {@link #committed},
     * {@link #failAll}, {@link #failedAlone}, ...). Run by the writer thread only.
     */
    protected abstract void commit(List<Pending<T>> batch);

    /** While failing and idle: a write that changes nothing and its commit; success calls {@link #recovered}. */
    protected abstract void probe();

    /** The writer loop itself failed during a batch (its writes are failed): roll back what it wrote. */
    protected abstract void abandon();

    /** What takes the writes, for the log: "PostgreSQL at …". */
    protected abstract String subject();

    /** The queue was empty for a moment: by default, probes now and then while failing. */
    protected void idle() {
        if (failing != null && attemptDue()) {
            probe();
        }
    }

    /** Run by the writer thread after each batch taken from the queue, before it takes the next. */
    protected void betweenBatches() {
    }

    /** Run by the writer thread when its loop has ended (closed, and the queue empty). */
    protected void stopped() {
    }

    // ---- queueing -------------------------------------------------------------------------

    /**
     * Queues a write; the future completes after its commit, or exceptionally if it
     * failed or the writer is full or closed (the write is then not applied).
     */
    @Override
    public CompletableFuture<Void> submit(Write write) {
        return enqueue(write, true);
    }

    /**
     * As {@link #submit}, but never waits for room: with the queue full the future is already
     * failed with {@link QueueFull} when this returns, and the write is not applied. For callers
     * that hold a lock others wait on (the engine's, issue 18).
     */
    @Override
    public CompletableFuture<Void> offer(Write write) {
        return enqueue(write, false);
    }

    private CompletableFuture<Void> enqueue(Write write, boolean waitForRoom) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        T own = own(write);
        if (own == null) {
            done.completeExceptionally(new IllegalArgumentException("not a " + writeKind + ": " + write));
            return done;
        }
        if (!running) {
            done.completeExceptionally(new IllegalStateException("ledger writer is closed"));
            return done;
        }
        Pending<T> p = new Pending<>(own, done);
        try {
            // A free slot is taken at once (even by an interrupted thread: what is queued is then
            // committed or failed, and its waiter told); only a full queue makes submit wait, 5 s at most.
            if (!queue.offer(p) && (!waitForRoom || !queue.offer(p, 5, TimeUnit.SECONDS))) {
                done.completeExceptionally(new QueueFull(queue.size() + queue.remainingCapacity()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
        }
        // Closed while this was queued and the writer has already left: nobody would complete it
        // (the engine waits for commits without a time limit).
        if (!running && !thread.isAlive() && queue.remove(p)) {
            done.completeExceptionally(new IllegalStateException("ledger writer is closed"));
        }
        return done;
    }

    // ---- figures --------------------------------------------------------------------------

    @Override
    public long commits() {
        return commits.get();
    }

    @Override
    public long writes() {
        return writes.get();
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public int queued() {
        return queue.size();
    }

    /** True while the queue has room: {@link #offer} would take a write now. */
    @Override
    public boolean hasRoom() {
        return queue.remainingCapacity() > 0;
    }

    /** Durations of the group commits (each batch, from its first write applied to its commit done). */
    @Override
    public CommitTimes commitTimes() {
        return commitTimes;
    }

    /**
     * Why the database refuses writes, or null while it takes them: set when a write fails for a
     * fault of the database (busy, read-only, full, I/O, down), cleared by the next commit (the idle
     * writer probes every second while failing).
     */
    @Override
    public String failing() {
        return failing;
    }

    /** Since when (epoch ms) {@link #failing()} has been set; 0 while the writer is fine. */
    @Override
    public long failingSinceMs() {
        return failingSinceMs;
    }

    // ---- the writer thread ----------------------------------------------------------------

    private void loop() {
        List<Pending<T>> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending<T> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
                betweenBatches();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // Whatever went wrong, each write of the batch gets its answer: the engine waits
                // for it without a time limit.
                log.log(System.Logger.Level.ERROR, "ledger writer loop failure", e);
                fault(e);
                abandon();
                for (Pending<T> p : batch) {
                    p.done().completeExceptionally(e);
                }
            } finally {
                batch.clear();
            }
        }
        stopped();
    }

    /** The batch's transaction committed (it began at {@code startNanos}): the database takes writes, every waiter succeeds. */
    protected final void committed(List<Pending<T>> batch, long startNanos) {
        recovered();
        commitTimes.add(System.nanoTime() - startNanos);
        acknowledged(batch);
    }

    /** The batch is known to be committed: counted, and every waiter succeeds. */
    protected final void acknowledged(List<Pending<T>> batch) {
        commits.incrementAndGet();
        writes.addAndGet(batch.size());
        for (Pending<T> p : batch) {
            p.done().complete(null);
        }
    }

    /** Every write of the batch failed with {@code e} (nothing of it is committed). */
    protected final void failAll(List<Pending<T>> batch, Throwable e) {
        failures.addAndGet(batch.size());
        for (Pending<T> p : batch) {
            p.done().completeExceptionally(e);
        }
    }

    /** One write failed on its own (it was alone in its transaction). */
    protected final void failedAlone(Pending<T> p, Exception e) {
        failures.incrementAndGet();
        log.log(System.Logger.Level.WARNING, "ledger write failed: " + e.getMessage());
        p.done().completeExceptionally(e);
    }

    /** A batch failed: each write again in its own transaction, so that a bad write fails alone. */
    protected final void oneByOne(List<Pending<T>> batch) {
        for (Pending<T> p : batch) {
            commit(new ArrayList<>(List.of(p)));
        }
    }

    /** The database refuses writes: {@link #failing()} says why from now on. */
    protected final void fault(Throwable e) {
        if (failing == null) {
            failingSinceMs = System.currentTimeMillis();
            log.log(System.Logger.Level.ERROR, subject() + " refuses the ledger's writes: " + e.getMessage());
        }
        failing = String.valueOf(e.getMessage());
    }

    /** The database took a write again: {@link #failing()} is cleared. */
    protected final void recovered() {
        if (failing != null) {
            log.log(System.Logger.Level.INFO, subject() + " takes writes again (was failing: " + failing + ")");
            failing = null;
            failingSinceMs = 0;
        }
    }

    /** True when the last probe or connection attempt ({@link #attempted}) is a second old or more. */
    protected final boolean attemptDue() {
        return System.nanoTime() - lastAttemptNanos >= PROBE_EVERY_NANOS;
    }

    /** Notes a probe or connection attempt now (see {@link #attemptDue}). */
    protected final void attempted() {
        lastAttemptNanos = System.nanoTime();
    }

    /** False once {@link #close} was called: the writer commits what is queued, then stops. */
    protected final boolean running() {
        return running;
    }

    /** True once {@link #close} was called (a storage may then start a new writer). */
    final boolean closed() {
        return !running;
    }

    /**
     * Commits everything queued, then stops. A write queued after the writer's last look is
     * refused, not left waiting.
     */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(closeWaitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            for (Pending<T> p; (p = queue.poll()) != null; ) {
                p.done().completeExceptionally(new IllegalStateException("ledger writer is closed"));
            }
        }
    }
}
