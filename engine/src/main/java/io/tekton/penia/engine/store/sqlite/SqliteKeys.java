package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.KeyTable;
import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the {@code api_keys} table (moved from the server's KeyStore). */
public class SqliteKeys implements KeyTable {
    private static final String INSERT = "INSERT INTO api_keys (key_id, name, role, component, secret_hash, created_ms)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    private static final String REVOKE = "UPDATE api_keys SET revoked_ms = ? WHERE key_id = ? AND revoked_ms IS NULL";
    private static final String USED = "UPDATE api_keys SET last_used_ms = MAX(COALESCE(last_used_ms, 0), ?) WHERE key_id = ?";

    private final SqlConnections db;

    /** Over a SQLite file, or another database's pool whose SQL takes these statements (PostgreSQL). */
    protected SqliteKeys(SqlConnections db) {
        this.db = db;
    }

    @Override
    public List<StoredKey> loadAll() {
        String sql = "SELECT key_id, name, role, component, secret_hash, created_ms, revoked_ms, last_used_ms FROM api_keys";
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<StoredKey> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new StoredKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), millis(rs, 7), millis(rs, 8)));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot load API keys: " + e.getMessage(), e);
        }
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
            if (component == null) {
                ps.setNull(4, Types.VARCHAR);
            } else {
                ps.setString(4, component);
            }
            ps.setString(5, secretHash);
            ps.setLong(6, createdAt.toEpochMilli());
            ps.executeUpdate();
        };
    }

    @Override
    public LedgerWriter.SqlWrite revoke(String keyId, Instant at) {
        return st -> {
            PreparedStatement ps = st.get(REVOKE);
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, keyId);
            ps.executeUpdate();
        };
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
