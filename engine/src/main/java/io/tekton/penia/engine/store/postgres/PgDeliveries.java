package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteDeliveries;

/** The delivery outbox on PostgreSQL: SQLite's statements as they are. */
final class PgDeliveries extends SqliteDeliveries {
    PgDeliveries(SqlConnections db) {
        super(db);
    }
}
