/**
 * The budget engine: budgets, the usage ledger, the two monitors merged into one decision,
 * reservations, alerts. {@link io.tekton.penia.engine.BudgetEngine} is the one entry point
 * every adapter (REST, WebSocket, MCP, Hermes tools) calls.
 */
package io.tekton.penia.engine;
