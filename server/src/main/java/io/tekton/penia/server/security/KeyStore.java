package io.tekton.penia.server.security;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.KeyTable;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.Role;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The API keys: created with a secret shown once ({@code pk_<key_id>_<32 random bytes,
 * base64url>}), stored as a salted SHA-256 of it, listed without secrets, revoked at once.
 *
 * <p>Every key lives in memory; a revocation changes the cached entry before it is committed,
 * so from the moment {@link #revoke} is called no new request authenticates with the key. The
 * last-used time is kept in memory and written at most once a minute per key, without waiting.
 */
public final class KeyStore {
    private static final System.Logger LOG = System.getLogger(KeyStore.class.getName());
    /** Most keys the store holds, revoked ones included. */
    public static final int MAX_KEYS = 10_000;
    /** Longest name and component accepted. */
    public static final int MAX_NAME_CHARS = 200;
    /** Longer presented keys are refused without hashing. */
    static final int MAX_PRESENTED_CHARS = 256;
    private static final String PREFIX = "pk_";
    private static final long LAST_USED_FLUSH_MILLIS = 60_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key in memory: the verifier is final; the key (revocation) and last use change. */
    private static final class Entry {
        final byte[] salt;
        final byte[] digest;
        volatile ApiKey key;
        volatile long lastUsedMillis;
        volatile long flushedMillis;

        Entry(ApiKey key, byte[] salt, byte[] digest) {
            this.key = key;
            this.salt = salt;
            this.digest = digest;
            this.lastUsedMillis = key.lastUsedAt() == null ? 0 : key.lastUsedAt().toEpochMilli();
            this.flushedMillis = lastUsedMillis;
        }

        ApiKey view() {
            ApiKey k = key;
            return lastUsedMillis == 0 ? k : k.usedAt(Instant.ofEpochMilli(lastUsedMillis));
        }
    }

    /** A new key and its secret, which is never available again. */
    public record Created(ApiKey key, String secret) {
        @Override
        public String toString() {
            return "Created[key=" + key + ", secret=(redacted)]";
        }
    }

    /** A revocation: the key before and after; {@code changed} is false for a key already revoked. */
    public record Revoked(ApiKey before, ApiKey after, boolean changed) {
    }

    private final KeyTable table;
    private final CommitQueue writer;
    private final InstantSource clock;
    private final Map<String, Entry> keys = new ConcurrentHashMap<>();
    private final List<Consumer<String>> revocationListeners = new CopyOnWriteArrayList<>();

    private KeyStore(KeyTable table, CommitQueue writer, InstantSource clock) {
        this.table = table;
        this.writer = writer;
        this.clock = clock;
    }

    /** Loads every stored key into memory. */
    public static KeyStore open(Storage storage, InstantSource clock) {
        KeyStore s = new KeyStore(storage.keys(), storage.writer(), clock);
        s.keys.putAll(s.stored());
        return s;
    }

    /**
     * Reads every stored key again (an instance becoming the leader of several: others may have
     * created or revoked keys meanwhile); a key no longer stored is dropped.
     */
    public synchronized void reload() {
        Map<String, Entry> now = stored();
        keys.putAll(now);
        keys.keySet().retainAll(now.keySet());
    }

    private Map<String, Entry> stored() {
        Map<String, Entry> out = new java.util.HashMap<>();
        for (KeyTable.StoredKey row : table.loadAll()) {
            String[] hash = row.secretHash().split(":");
            if (hash.length != 3 || !hash[0].equals("sha256")) {
                throw new StoreException("api key " + row.keyId() + " has an unknown hash format", null);
            }
            String keyId = row.keyId();
            Role role = Role.parse(row.role()).orElseThrow(
                    () -> new StoreException("api key " + keyId + " has an unknown role", null));
            ApiKey k = new ApiKey(keyId, row.name(), role, row.component(), row.createdAt(), row.revokedAt(),
                    row.lastUsedAt());
            Base64.Decoder d = Base64.getDecoder();
            out.put(k.keyId(), new Entry(k, d.decode(hash[1]), d.decode(hash[2])));
        }
        return out;
    }

    /** Creates a key; the returned secret is the only copy there will ever be. */
    public synchronized Created create(String name, String role, String component) {
        checkName("name", name);
        Role r = Role.parse(role)
                .orElseThrow(() -> PeniaException.invalid("role", "must be admin, component or viewer"));
        if (r == Role.COMPONENT) {
            checkName("component", component);
        } else if (component != null) {
            throw PeniaException.invalid("component", "only a component key has a component");
        }
        if (keys.size() >= MAX_KEYS) {
            throw new PeniaException(ErrorCode.CONFLICT, "too many API keys (max_keys=" + MAX_KEYS + "); revoked keys count",
                    Map.of("max_keys", MAX_KEYS));
        }
        String keyId = "key" + HexFormat.of().formatHex(random(10));
        String secret = PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random(32));
        byte[] salt = random(16);
        byte[] digest = digest(salt, secret);
        Instant now = Instant.ofEpochMilli(clock.millis());
        ApiKey key = new ApiKey(keyId, name, r, component, now, null, null);
        String stored = "sha256:" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(digest);
        Durable.commit(writer, table.insert(keyId, name, r.wireName(), component, stored, now), "API key");
        keys.put(keyId, new Entry(key, salt, digest));
        return new Created(key, secret);
    }

    /** Every key, newest first, without secrets. */
    public List<ApiKey> list() {
        return keys.values().stream().map(Entry::view)
                .sorted(Comparator.comparing(ApiKey::createdAt).reversed().thenComparing(ApiKey::keyId)).toList();
    }

    public Optional<ApiKey> find(String keyId) {
        Entry e = keyId == null ? null : keys.get(keyId);
        return e == null ? Optional.empty() : Optional.of(e.view());
    }

    /** Revokes a key: refused from this call on, then committed; a second revocation changes nothing. */
    public synchronized Revoked revoke(String keyId) {
        Entry e = keyId == null ? null : keys.get(keyId);
        if (e == null) {
            throw PeniaException.notFound("api_key", String.valueOf(keyId));
        }
        ApiKey before = e.view();
        if (before.revoked()) {
            return new Revoked(before, before, false);
        }
        ApiKey undo = e.key;
        Instant now = Instant.ofEpochMilli(clock.millis());
        e.key = undo.revokedAt(now);
        try {
            Durable.commit(writer, table.revoke(keyId, now), "API key revocation");
        } catch (RuntimeException ex) {
            e.key = undo;
            throw ex;
        }
        revoked(keyId);
        return new Revoked(before, e.view(), true);
    }

    /**
     * Calls {@code listener} with the id of every key revoked (or deleted) from now on, once
     * the revocation is committed: the hook that closes the key's open WebSockets and MCP
     * sessions. Listeners must not block.
     */
    public void onRevoked(Consumer<String> listener) {
        revocationListeners.add(listener);
    }

    private void revoked(String keyId) {
        for (Consumer<String> l : revocationListeners) {
            try {
                l.accept(keyId);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "closing the connections of revoked key " + keyId + " failed", ex);
            }
        }
    }

    /** The caller a presented secret authenticates, or empty for an unknown, wrong or revoked one. */
    public Optional<Caller> verify(String presented) {
        if (presented == null || presented.length() > MAX_PRESENTED_CHARS || !presented.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int end = presented.indexOf('_', PREFIX.length());
        if (end < 0) {
            return Optional.empty();
        }
        Entry e = keys.get(presented.substring(PREFIX.length(), end));
        if (e == null || !MessageDigest.isEqual(e.digest, digest(e.salt, presented))) {
            return Optional.empty();
        }
        ApiKey k = e.key;
        if (k.revoked()) {
            return Optional.empty();
        }
        touch(e, k.keyId());
        return Optional.of(k.caller());
    }

    private void touch(Entry e, String keyId) {
        long now = clock.millis();
        e.lastUsedMillis = Math.max(e.lastUsedMillis, now);
        if (now - e.flushedMillis < LAST_USED_FLUSH_MILLIS) {
            return;
        }
        e.flushedMillis = now;
        // Best effort, never waited for: with the writer's queue full a request is not held up here (issue 18).
        writer.offer(table.markUsed(keyId, now)).whenComplete((ok, err) -> {
            if (err != null) {
                LOG.log(System.Logger.Level.DEBUG, () -> "last use of key " + keyId + " not stored: " + err.getMessage());
            }
        });
    }

    private static void checkName(String field, String v) {
        if (v == null || v.isBlank()) {
            throw PeniaException.invalid(field, "is required");
        }
        if (v.length() > MAX_NAME_CHARS) {
            throw PeniaException.invalid(field, "longer than " + MAX_NAME_CHARS + " characters");
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static byte[] digest(byte[] salt, String secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(salt);
            return md.digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
