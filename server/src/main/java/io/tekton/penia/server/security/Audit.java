package io.tekton.penia.server.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.store.AuditTable;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.tools.Caller;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit trail: one row per change to budgets, thresholds, prices, breakers and keys, with
 * the actor, the time and the target before and after. Adapters call {@link #record} once,
 * after the change returned, so a refused or failed change leaves no row and a change leaves
 * exactly one. Fields that hold secrets are replaced by {@value #REDACTED} before storing.
 */
public final class Audit {
    private static final System.Logger LOG = System.getLogger(Audit.class.getName());
    public static final String REDACTED = "(redacted)";
    /** Field names whose values are never stored, whatever object they appear in. */
    private static final Set<String> SECRET_FIELDS = Set.of("secret", "secret_hash", "password", "api_key", "admin_key",
            "token", "authorization");

    private final AuditTable table;
    private final CommitQueue writer;
    private final InstantSource clock;

    public Audit(Storage storage, InstantSource clock) {
        this.table = storage.audit();
        this.writer = storage.writer();
        this.clock = clock;
    }

    /** One stored entry. */
    public record Entry(long seq, Instant at, String actor, String action, String targetType, String targetId,
                        JsonNode before, JsonNode after) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", seq);
            m.put("at", at.toString());
            m.put("actor", actor);
            m.put("action", action);
            m.put("target_type", targetType);
            m.put("target_id", targetId);
            m.put("before", before);
            m.put("after", after);
            return m;
        }
    }

    /**
     * Records one change, durably (waits for the commit).
     *
     * @param actor      who made it
     * @param action     what was done, e.g. {@code budget.update}
     * @param targetType budget, thresholds, price, breaker or api_key
     * @param targetId   which one
     * @param before     the target before (null for a create), any JSON-able value
     * @param after      the target after (null for a delete)
     */
    public void record(Caller actor, String action, String targetType, String targetId, Object before, Object after) {
        long at = clock.millis();
        String b = redactedJson(before);
        String a = redactedJson(after);
        try {
            Durable.commit(writer, table.insert(at, actor.keyId(), action, targetType, targetId, b, a), "audit entry");
        } catch (StoreException e) {
            // The change itself is committed; the log keeps what the trail could not.
            LOG.log(System.Logger.Level.ERROR, "audit entry lost: " + actor.keyId() + " " + action + " " + targetType
                    + " " + targetId + " before=" + b + " after=" + a, e);
            throw e;
        }
    }

    /** Entries newest first, optionally of one target type and id, older than {@code beforeSeq}. */
    public List<Entry> query(String targetType, String targetId, Long beforeSeq, int limit) {
        List<Entry> out = new ArrayList<>();
        for (AuditTable.AuditRow r : table.query(targetType, targetId, beforeSeq, limit)) {
            out.add(new Entry(r.seq(), Instant.ofEpochMilli(r.atMs()), r.actor(), r.action(), r.targetType(),
                    r.targetId(), tree(r.beforeJson()), tree(r.afterJson())));
        }
        return out;
    }

    private static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new StoreException("corrupt audit JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String redactedJson(Object value) {
        if (value == null) {
            return null;
        }
        JsonNode n = Json.mapper().valueToTree(value);
        redact(n);
        try {
            return Json.mapper().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void redact(JsonNode n) {
        if (n instanceof ObjectNode o) {
            List<String> secret = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (SECRET_FIELDS.contains(e.getKey()) && !e.getValue().isNull()) {
                    secret.add(e.getKey());
                } else {
                    redact(e.getValue());
                }
            }
            secret.forEach(k -> o.put(k, REDACTED));
        } else if (n instanceof ArrayNode a) {
            a.forEach(Audit::redact);
        }
    }
}
