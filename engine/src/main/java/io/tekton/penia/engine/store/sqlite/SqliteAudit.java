package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.AuditTable;
import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the {@code audit_log} table (moved from the server's Audit). */
public class SqliteAudit implements AuditTable {
    private static final String INSERT = "INSERT INTO audit_log (at_ms, actor, action, target_type, target_id,"
            + " before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private final SqlConnections db;

    /** Over a SQLite file, or another database's pool whose SQL takes these statements (PostgreSQL). */
    protected SqliteAudit(SqlConnections db) {
        this.db = db;
    }

    @Override
    public LedgerWriter.SqlWrite insert(long atMs, String actor, String action, String targetType, String targetId,
                                        String beforeJson, String afterJson) {
        return st -> {
            PreparedStatement ps = st.get(INSERT);
            ps.setLong(1, atMs);
            ps.setString(2, actor);
            ps.setString(3, action);
            ps.setString(4, targetType);
            setNullable(ps, 5, targetId);
            setNullable(ps, 6, beforeJson);
            setNullable(ps, 7, afterJson);
            ps.executeUpdate();
        };
    }

    @Override
    public List<AuditRow> query(String targetType, String targetId, Long beforeSeq, int limit) {
        StringBuilder sql = new StringBuilder("SELECT seq, at_ms, actor, action, target_type, target_id, before_json,"
                + " after_json FROM audit_log WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (targetType != null) {
            sql.append(" AND target_type = ?");
            args.add(targetType);
        }
        if (targetId != null) {
            sql.append(" AND target_id = ?");
            args.add(targetId);
        }
        if (beforeSeq != null) {
            sql.append(" AND seq < ?");
            args.add(beforeSeq);
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(limit);
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<AuditRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("audit query failed: " + e.getMessage(), e);
        }
    }

    private static void setNullable(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }
}
