package io.tekton.penia.server.security;

import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.Caller;

import java.util.Map;
import java.util.Objects;

/**
 * The door every surface (REST, MCP, WebSocket) passes: authenticate, then take a token from
 * the caller's bucket. Keys are limited per key id; requests without a valid key per remote
 * address (so guessing keys is slow too). Open mode (no admin key, loopback only) is not
 * limited: every caller there is the one local admin.
 */
public record Guard(Authenticator auth, RateLimiter limiter) {
    /** What the guard decided; switch on it exhaustively. */
    public sealed interface Outcome permits Admitted, Refused {
    }

    /** The request may proceed as {@code caller}. */
    public record Admitted(Caller caller) implements Outcome {
        public Admitted {
            Objects.requireNonNull(caller, "caller");
        }
    }

    /**
     * The request is refused with this error and these extra headers.
     *
     * @param error   unauthorized, forbidden or rate_limited
     * @param headers {@code Retry-After} or {@code WWW-Authenticate}
     */
    public record Refused(PeniaException error, Map<String, String> headers) implements Outcome {
        public Refused {
            Objects.requireNonNull(error, "error");
            headers = Map.copyOf(headers);
        }

        /** The shared error envelope as JSON. */
        public String json() {
            try {
                return Json.mapper().writeValueAsString(error.envelope());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public boolean open() {
        return auth.open();
    }

    /**
     * Decides on one request.
     *
     * @param presentedKey  the key sent, or null
     * @param remoteAddress the client's address, or null when unknown
     */
    public Outcome admit(String presentedKey, String remoteAddress) {
        if (auth.open()) {
            return new Admitted(Caller.LOCAL_ADMIN);
        }
        Caller caller;
        try {
            caller = auth.authenticate(presentedKey);
        } catch (PeniaException e) {
            long wait = limiter.acquire("addr:" + (remoteAddress == null ? "unknown" : remoteAddress));
            if (wait > 0) {
                return limited(wait);
            }
            return new Refused(e, Map.of("WWW-Authenticate", "Bearer realm=\"penia\""));
        }
        long wait = limiter.acquire("key:" + caller.keyId());
        return wait > 0 ? limited(wait) : new Admitted(caller);
    }

    private static Refused limited(long retryAfterSeconds) {
        return new Refused(new PeniaException(ErrorCode.RATE_LIMITED, "too many requests; retry after "
                + retryAfterSeconds + "s", Map.of("retry_after_seconds", retryAfterSeconds)),
                Map.of("Retry-After", String.valueOf(retryAfterSeconds)));
    }
}
