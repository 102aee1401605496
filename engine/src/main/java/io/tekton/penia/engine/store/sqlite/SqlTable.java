package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A table of this package: its writes go to the ledger writer, its reads through a pooled
 * connection of {@link SqlConnections}, a SQLite file or another database's pool whose SQL takes
 * these statements (PostgreSQL).
 */
abstract class SqlTable {
    private final SqlConnections source;

    SqlTable(SqlConnections source) {
        this.source = source;
    }

    /**
     * The rows of {@code sql}, each mapped; a failure is a {@link StoreException} whose message is
     * {@code failure}, a colon and the cause's.
     */
    final <T> List<T> query(String sql, Sql.Binder binder, Sql.RowMapper<T> mapper, String failure) {
        try (Connection c = source.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreException(failure + ": " + e.getMessage(), e);
        }
    }
}
