package io.tekton.penia.engine;


import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.Write;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What one mutating engine call collects under the lock (see {@link EngineLock#mutate}): the
 * ledger writes, the alerts raised, the events of expiries and rollovers (delivered after the
 * unlock whatever happens), how to undo the in-memory change if the commit fails, and what to
 * tell listeners once it is committed.
 */
final class Change {
    final List<Write> writes = new ArrayList<>();
    final AlertBook.Outcome out = AlertBook.Outcome.empty();
    final List<Runnable> events = new ArrayList<>();
    final List<Runnable> undo = new ArrayList<>();
    final List<Runnable> committed = new ArrayList<>();
    private final CommitQueue writer;
    private CompletableFuture<Void> submitted;

    Change(CommitQueue writer) {
        this.writer = writer;
    }

    void write(Write w) {
        writes.add(w);
    }

    void undo(Runnable r) {
        undo.add(r);
    }

    /** Runs after the commit, in order, before the alerts are published. */
    void afterCommit(Runnable r) {
        committed.add(r);
    }

    /**
     * Offers the writes, then the alerts' writes, as one to the writer (never waiting for room);
     * for a caller that needs the commit's future while it still holds the lock. At most once.
     */
    CompletableFuture<Void> submit() {
        if (submitted == null) {
            List<Write> copy = new ArrayList<>(writes);
            copy.addAll(out.writes());
            submitted = writer.offer(Write.all(copy));
        }
        return submitted;
    }

    /** The commit to await: the one submitted, else one of whatever was collected, else none. */
    CompletableFuture<Void> pending() {
        if (submitted == null && (!writes.isEmpty() || !out.writes().isEmpty())) {
            submit();
        }
        return submitted;
    }
}
