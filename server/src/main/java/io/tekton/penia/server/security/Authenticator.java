package io.tekton.penia.server.security;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.Caller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * Who a request comes from. The key is read from {@code X-API-Key} or
 * {@code Authorization: Bearer}; {@code PENIA_ADMIN_KEY} is the bootstrap admin
 * ({@link #ADMIN_ENV}); other keys come from the {@link KeyStore}. Without an admin key
 * Penia runs open (the configuration then allows loopback only) and every caller is
 * {@link Caller#LOCAL_ADMIN}. Presented keys are never logged or echoed.
 */
public final class Authenticator {
    /** The caller {@code PENIA_ADMIN_KEY} authenticates as; its id is what the audit trail shows. */
    public static final Caller ADMIN_ENV = new Caller("admin-env", Caller.ADMIN, null);
    static final HeaderName API_KEY = HeaderNames.create("X-API-Key");
    private static final byte[] SALT = "penia-admin-key".getBytes(StandardCharsets.UTF_8);

    private final byte[] adminDigest;
    private final KeyStore keys;

    /**
     * @param adminKeyOrNull the configured admin key; null runs Penia open
     * @param keys           the stored keys
     */
    public Authenticator(String adminKeyOrNull, KeyStore keys) {
        // Only a digest is kept, so the comparison takes the same time whatever is presented.
        this.adminDigest = adminKeyOrNull == null ? null : KeyStore.digest(SALT, adminKeyOrNull);
        this.keys = keys;
    }

    /** True when no admin key is configured: no authentication at all. */
    public boolean open() {
        return adminDigest == null;
    }

    /** The key a request presents: {@code X-API-Key}, else {@code Authorization: Bearer}; null when none. */
    public static String presentedKey(Headers headers) {
        Optional<String> key = headers.first(API_KEY).map(String::trim).filter(s -> !s.isEmpty());
        if (key.isPresent()) {
            return key.get();
        }
        return headers.first(HeaderNames.AUTHORIZATION)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(v -> v.substring(7).trim())
                .filter(s -> !s.isEmpty())
                .orElse(null);
    }

    /**
     * The caller of a presented key.
     *
     * @throws PeniaException {@code unauthorized} when the key is missing, unknown, wrong or revoked
     */
    public Caller authenticate(String presentedOrNull) {
        if (open()) {
            return Caller.LOCAL_ADMIN;
        }
        if (presentedOrNull == null) {
            throw new PeniaException(ErrorCode.UNAUTHORIZED,
                    "an API key is required: send X-API-Key or Authorization: Bearer", Map.of());
        }
        if (presentedOrNull.length() <= KeyStore.MAX_PRESENTED_CHARS
                && MessageDigest.isEqual(adminDigest, KeyStore.digest(SALT, presentedOrNull))) {
            return ADMIN_ENV;
        }
        return keys.verify(presentedOrNull).orElseThrow(() -> new PeniaException(ErrorCode.UNAUTHORIZED,
                "invalid or revoked API key", Map.of()));
    }
}
