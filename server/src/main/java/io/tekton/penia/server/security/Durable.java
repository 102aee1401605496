package io.tekton.penia.server.security;

import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.engine.store.Write;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Writes through the engine's single writer, waiting for the commit (bounded). */
final class Durable {
    /** How long a security write may wait for its group commit. */
    static final long COMMIT_TIMEOUT_SECONDS = 30;

    private Durable() {
    }

    static void commit(CommitQueue writer, Write write, String what) {
        try {
            writer.submit(write).get(COMMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " not stored: interrupted", e);
        } catch (ExecutionException e) {
            throw new StoreException(what + " not stored: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException(what + " not stored: no commit after " + COMMIT_TIMEOUT_SECONDS + "s", e);
        }
    }
}
