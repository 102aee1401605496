package io.tekton.penia.engine.store;

/** A database failure: not the caller's fault, reported as 503/500 without internals. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
