/** The stored JSON of budgets, settings and price versions, shared by the storage backends. Not exported. */
package io.tekton.penia.engine.store.codec;
