package io.tekton.penia.engine.store.migrate;

import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database behind a HikariCP pool, its schema migrated at open (see {@link Migrations}): what
 * the SQLite file and the PostgreSQL database share once they are open. Internal to the engine.
 */
public abstract class PooledDatabase implements AutoCloseable {
    private final HikariDataSource pool;

    protected PooledDatabase(HikariDataSource pool) {
        this.pool = pool;
    }

    /** A pooled connection (auto-commit on, as the pool hands it out); the caller closes it. */
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** True when a trivial query answers. */
    public boolean isUsable() {
        return Migrations.isUsable(pool);
    }

    /** The pool itself (for Flyway, and for a caller that needs a {@code DataSource}). */
    protected final HikariDataSource pool() {
        return pool;
    }

    /** Closes the pool and its connections. */
    @Override
    public void close() {
        pool.close();
    }
}
