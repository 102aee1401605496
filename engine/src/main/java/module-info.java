/**
 * The Penia engine: budgets, checks, holds, the usage ledger, prices and forecasts, and the
 * storage port. Exports its API packages; the SQLite backend ({@code store.sqlite}) and the
 * stored-JSON codec ({@code store.codec}) are internal: callers open a storage through {@link
 * io.tekton.penia.engine.store.Storage#open}.
 */
module io.tekton.penia.engine {
    requires transitive com.fasterxml.jackson.databind;
    requires transitive java.sql;
    requires com.zaxxer.hikari;
    requires org.xerial.sqlitejdbc;
    // flyway-core names no module: its automatic name comes from the jar's file name.
    requires flyway.core;

    exports io.tekton.penia.engine;
    exports io.tekton.penia.engine.error;
    exports io.tekton.penia.engine.forecast;
    exports io.tekton.penia.engine.model;
    exports io.tekton.penia.engine.monitor;
    exports io.tekton.penia.engine.price;
    exports io.tekton.penia.engine.store;

    // Flyway finds the SQLite migrations by scanning the class path.
    opens io.tekton.penia.engine.store.sqlite;
}
