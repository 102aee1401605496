package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.KeyTable;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** The SQL of the {@code api_keys} table (moved from the server's KeyStore). */
public class SqliteKeys extends SqlTable implements KeyTable {
    private static final String INSERT = "INSERT INTO api_keys (key_id, name, role, component, secret_hash, created_ms)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    private static final String REVOKE = "UPDATE api_keys SET revoked_ms = ? WHERE key_id = ? AND revoked_ms IS NULL";
    // Never back in time; the same words in SQLite and PostgreSQL (whose two-argument MAX is GREATEST).
    private static final String USED = "UPDATE api_keys SET last_used_ms = ? WHERE key_id = ?"
            + " AND (last_used_ms IS NULL OR last_used_ms < ?)";

    protected SqliteKeys(SqlConnections db) {
        super(db);
    }

    @Override
    public List<StoredKey> loadAll() {
        String sql = "SELECT key_id, name, role, component, secret_hash, created_ms, revoked_ms, last_used_ms FROM api_keys";
        return query(sql, ps -> { }, rs -> new StoredKey(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), millis(rs, 7), millis(rs, 8)),
                "cannot load API keys");
    }

    private static Instant millis(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    @Override
    public LedgerWriter.SqlWrite insert(String keyId, String name, String role, String component, String secretHash,
                                        Instant createdAt) {
        return st -> {
            PreparedStatement ps = st.get(INSERT);
            ps.setString(1, keyId);
            ps.setString(2, name);
            ps.setString(3, role);
            Sql.setNullable(ps, 4, component);
            ps.setString(5, secretHash);
            ps.setLong(6, createdAt.toEpochMilli());
            ps.executeUpdate();
        };
    }

    @Override
    public LedgerWriter.SqlWrite revoke(String keyId, Instant at) {
        return Sql.update(REVOKE, at.toEpochMilli(), keyId);
    }

    @Override
    public LedgerWriter.SqlWrite markUsed(String keyId, long atMs) {
        return Sql.update(USED, atMs, keyId, atMs);
    }
}
