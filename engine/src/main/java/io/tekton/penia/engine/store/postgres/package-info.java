/**
 * PostgreSQL for several Penia instances over one database (issue 23): {@link
 * io.tekton.penia.engine.store.postgres.PgUrl} (the {@code PENIA_DB} URL, password redacted), {@link
 * io.tekton.penia.engine.store.postgres.PgDatabase} (the pool and the schema migrations) and the storage
 * port's backend over them, {@link io.tekton.penia.engine.store.postgres.PgStorage}: its single writer
 * {@link io.tekton.penia.engine.store.postgres.PgWriter} (group commit; fails fast and reconnects while
 * PostgreSQL is down; its {@link io.tekton.penia.engine.store.postgres.PgWriter.BatchGuard} is the
 * leader's fencing check, first in every write transaction) and the tables, which run SQLite's
 * statements ({@code store.sqlite}) with PostgreSQL's few differences replaced; {@link
 * io.tekton.penia.engine.store.postgres.PgLeaderLock} (the SQL of the leader election and its epoch
 * fence); and {@link
 * io.tekton.penia.engine.store.postgres.SqliteToPostgres} (an existing SQLite ledger copied and verified).
 */
package io.tekton.penia.engine.store.postgres;
