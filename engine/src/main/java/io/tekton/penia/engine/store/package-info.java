/**
 * The storage port: {@link io.tekton.penia.engine.store.Storage} (opened from a
 * {@link io.tekton.penia.engine.store.StorageConfig}), its tables ({@link
 * io.tekton.penia.engine.store.LedgerStore}, keys, audit, deliveries) and its {@link
 * io.tekton.penia.engine.store.CommitQueue}. The SQLite backend is {@code store.sqlite}.
 */
package io.tekton.penia.engine.store;
