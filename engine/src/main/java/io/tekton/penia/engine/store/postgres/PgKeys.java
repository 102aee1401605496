package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteKeys;

/** The {@code api_keys} table on PostgreSQL: SQLite's statements as they are. */
final class PgKeys extends SqliteKeys {
    PgKeys(SqlConnections db) {
        super(db);
    }
}
