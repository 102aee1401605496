package io.tekton.penia.engine.store;

import java.util.List;

/** The audit trail's rows; before and after are JSON texts, stored as given. No rules here. */
public interface AuditTable {

    /** A stored entry. */
    record AuditRow(long seq, long atMs, String actor, String action, String targetType, String targetId,
                    String beforeJson, String afterJson) {
    }

    Write insert(long atMs, String actor, String action, String targetType, String targetId, String beforeJson,
                 String afterJson);

    /** Entries newest first, optionally of one target type and id, older than {@code beforeSeq}. */
    List<AuditRow> query(String targetType, String targetId, Long beforeSeq, int limit);
}
