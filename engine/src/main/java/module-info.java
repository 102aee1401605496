/**
 * The Penia engine: budgets, checks, holds, the usage ledger, prices and forecasts, and the
 * storage port. Exports its API packages; the SQLite backend ({@code store.sqlite}) and the
 * stored-JSON codec ({@code store.codec}) are internal: callers open a storage through {@link
 * io.tekton.penia.engine.store.Storage#open}. The PostgreSQL backend ({@code store.postgres}) is
 * exported for the server's use of what only it has: the URL, the migration command, the writer's
 * fence and the leader election's SQL ({@code PgLeaderLock}).
 */
module io.tekton.penia.engine {
    requires transitive com.fasterxml.jackson.databind;
    requires transitive java.sql;
    requires com.zaxxer.hikari;
    requires org.xerial.sqlitejdbc;
    // The leader election waits for LISTEN/NOTIFY notifications through the driver's own API.
    requires org.postgresql.jdbc;
    // flyway-core names no module: its automatic name comes from the jar's file name.
    requires flyway.core;

    exports io.tekton.penia.engine;
    exports io.tekton.penia.engine.error;
    exports io.tekton.penia.engine.forecast;
    exports io.tekton.penia.engine.model;
    exports io.tekton.penia.engine.monitor;
    exports io.tekton.penia.engine.price;
    exports io.tekton.penia.engine.store;
    exports io.tekton.penia.engine.store.postgres;

    // Flyway finds the SQLite migrations by scanning the class path.
    opens io.tekton.penia.engine.store.sqlite;
}
