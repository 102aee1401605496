package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.AuditTable;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the {@code audit_log} table (moved from the server's Audit). */
public class SqliteAudit extends SqlTable implements AuditTable {
    private static final String INSERT = "INSERT INTO audit_log (at_ms, actor, action, target_type, target_id,"
            + " before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)";

    protected SqliteAudit(SqlConnections db) {
        super(db);
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
            Sql.setNullable(ps, 5, targetId);
            Sql.setNullable(ps, 6, beforeJson);
            Sql.setNullable(ps, 7, afterJson);
            ps.executeUpdate();
        };
    }

    @Override
    public List<AuditRow> query(String targetType, String targetId, Long beforeSeq, int limit) {
        StringBuilder sql = new StringBuilder("SELECT seq, at_ms, actor, action, target_type, target_id, before_json,"
                + " after_json FROM audit_log WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        Sql.and(sql, args, "target_type = ?", targetType);
        Sql.and(sql, args, "target_id = ?", targetId);
        Sql.and(sql, args, "seq < ?", beforeSeq);
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(limit);
        return query(sql.toString(), ps -> Sql.bind(ps, args),
                rs -> new AuditRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)),
                "audit query failed");
    }
}
