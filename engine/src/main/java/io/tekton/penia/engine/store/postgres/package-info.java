/**
 * PostgreSQL for several Penia instances over one database (issue 23): {@link
 * io.tekton.penia.engine.store.postgres.PgUrl} (the {@code PENIA_DB} URL, password redacted), {@link
 * io.tekton.penia.engine.store.postgres.PgDatabase} (the pool and the schema migrations) and {@link
 * io.tekton.penia.engine.store.postgres.SqliteToPostgres} (an existing SQLite ledger copied and verified).
 */
package io.tekton.penia.engine.store.postgres;
