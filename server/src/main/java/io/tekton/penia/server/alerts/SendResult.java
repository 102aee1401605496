package io.tekton.penia.server.alerts;

/**
 * The outcome of one delivery attempt. A permanent failure (a refused request, a channel
 * that is no longer configured) is not retried; a transient one is, with backoff.
 */
record SendResult(boolean delivered, boolean permanent, String error) {
    static SendResult ok() {
        return new SendResult(true, false, null);
    }

    static SendResult retry(String error) {
        return new SendResult(false, false, error);
    }

    static SendResult permanent(String error) {
        return new SendResult(false, true, error);
    }
}
