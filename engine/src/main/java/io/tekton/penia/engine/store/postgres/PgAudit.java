package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteAudit;

/** The audit trail on PostgreSQL: SQLite's statements as they are (seq is an identity column there). */
final class PgAudit extends SqliteAudit {
    PgAudit(SqlConnections db) {
        super(db);
    }
}
