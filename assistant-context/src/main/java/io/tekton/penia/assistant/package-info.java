/** The budget_management assistant context: a system prompt with the live budget status. */
package io.tekton.penia.assistant;
