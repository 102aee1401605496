package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.sqlite.LedgerWriter;
import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteKeys;

import java.sql.PreparedStatement;

/** The {@code api_keys} table on PostgreSQL: SQLite's statements, but GREATEST for its two-argument MAX. */
final class PgKeys extends SqliteKeys {
    private static final String USED = "UPDATE api_keys SET last_used_ms = GREATEST(COALESCE(last_used_ms, 0), ?)"
            + " WHERE key_id = ?";

    PgKeys(SqlConnections db) {
        super(db);
    }

    @Override
    public LedgerWriter.SqlWrite markUsed(String keyId, long atMs) {
        return st -> {
            PreparedStatement ps = st.get(USED);
            ps.setLong(1, atMs);
            ps.setString(2, keyId);
            ps.executeUpdate();
        };
    }
}
