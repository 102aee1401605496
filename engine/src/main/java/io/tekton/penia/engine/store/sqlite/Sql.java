package io.tekton.penia.engine.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.List;

/**
 * The JDBC plumbing the SQL tables of this package share (and their PostgreSQL subclasses
 * through them): a write of one statement for the ledger writer, parameters set by position,
 * and optional filters of a WHERE clause. Their reads are {@link SqlTable#query}.
 */
public final class Sql {

    /** Sets the parameters of a prepared statement. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** One row of a result as a value. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Sql() {
    }

    /**
     * A write of the ledger writer that runs {@code sql} at once with these parameters (set as
     * by {@link #bind}).
     */
    static LedgerWriter.SqlWrite update(String sql, Object... args) {
        return s -> {
            PreparedStatement ps = s.get(sql);
            bind(ps, Arrays.asList(args));
            ps.executeUpdate();
        };
    }

    /** Sets the parameters in order, each as the JDBC object it is (texts and numbers; null as an untyped NULL). */
    static void bind(PreparedStatement ps, List<?> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }

    /**
     * Adds {@code " AND " + condition} (one parameter) and its value to a WHERE clause being built,
     * unless the value is null: a filter that was not asked for.
     */
    static void and(StringBuilder sql, List<Object> args, String condition, Object value) {
        if (value != null) {
            sql.append(" AND ").append(condition);
            args.add(value);
        }
    }

    static void setNullable(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, v);
        }
    }

    static void setNullable(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }
}
