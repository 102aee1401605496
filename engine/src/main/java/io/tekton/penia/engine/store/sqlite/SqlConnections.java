package io.tekton.penia.engine.store.sqlite;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where the SQL tables of this package take their read connections: a SQLite {@link Database},
 * or the pool of another database whose SQL is close enough to share these statements
 * (PostgreSQL: {@code store.postgres} subclasses the tables and replaces the few that differ).
 */
@FunctionalInterface
public interface SqlConnections {
    /** A pooled connection in auto-commit; the caller closes it. */
    Connection connection() throws SQLException;
}
