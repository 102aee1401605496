/**
 * The SQLite backend of the storage port: one WAL-mode file ({@link
 * io.tekton.penia.engine.store.sqlite.Database}, Flyway migrations beside it), the group-commit
 * {@link io.tekton.penia.engine.store.sqlite.LedgerWriter}, the tables' SQL, backups, retention
 * and vacuum. Not exported: opened through {@link io.tekton.penia.engine.store.Storage#open}.
 */
package io.tekton.penia.engine.store.sqlite;
