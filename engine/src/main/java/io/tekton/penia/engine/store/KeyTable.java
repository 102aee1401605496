package io.tekton.penia.engine.store;

import java.time.Instant;
import java.util.List;

/** The API keys' rows: a salted hash of each secret, never the secret. No rules here. */
public interface KeyTable {

    /** A stored key; {@code secretHash} is {@code sha256:<salt>:<digest>} (base64), the times null when unset. */
    record StoredKey(String keyId, String name, String role, String component, String secretHash, Instant createdAt,
                     Instant revokedAt, Instant lastUsedAt) {
    }

    /** Every stored key, revoked ones included. */
    List<StoredKey> loadAll();

    Write insert(String keyId, String name, String role, String component, String secretHash, Instant createdAt);

    /** Revokes a key not yet revoked. */
    Write revoke(String keyId, Instant at);

    /** Moves the last-used time forward (never back). */
    Write markUsed(String keyId, long atMs);
}
