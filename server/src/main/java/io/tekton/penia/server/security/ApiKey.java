package io.tekton.penia.server.security;

import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.Role;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What is known of an API key besides its secret: the secret itself is shown once, at
 * creation, and stored only as a salted hash.
 *
 * @param keyId      the public id, also the middle part of the secret
 * @param name       what the key is for
 * @param role       admin, component or viewer
 * @param component  the component a component key acts for; null for the other roles
 * @param createdAt  when it was created
 * @param revokedAt  when it was revoked, or null while it is valid
 * @param lastUsedAt when it last authenticated a request, or null
 */
public record ApiKey(String keyId, String name, Role role, String component, Instant createdAt, Instant revokedAt,
                     Instant lastUsedAt) {
    public ApiKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(role, "role");
        if (Caller.COMPONENT.equals(role) != (component != null)) {
            throw new IllegalArgumentException("a component key needs a component, other roles none: " + role);
        }
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /** The caller this key authenticates as. */
    public Caller caller() {
        return new Caller(keyId, role, component);
    }

    ApiKey revokedAt(Instant at) {
        return new ApiKey(keyId, name, role, component, createdAt, at, lastUsedAt);
    }

    ApiKey usedAt(Instant at) {
        return new ApiKey(keyId, name, role, component, createdAt, revokedAt, at);
    }

    /** The wire form: never a secret or hash, there is none here. */
    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key_id", keyId);
        m.put("name", name);
        m.put("role", role.wireName());
        m.put("component", component);
        m.put("created_at", ts(createdAt));
        m.put("revoked_at", ts(revokedAt));
        m.put("last_used_at", ts(lastUsedAt));
        return m;
    }

    private static String ts(Instant t) {
        return t == null ? null : t.toString();
    }
}
