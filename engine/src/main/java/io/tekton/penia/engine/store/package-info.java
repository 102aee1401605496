/** The ledger port and its SQLite adapter: schema migrations, the group-commit writer, reads. */
package io.tekton.penia.engine.store;
