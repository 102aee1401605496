/** The one table of error codes and HTTP statuses, and the exception that carries them. */
package io.tekton.penia.engine.error;
