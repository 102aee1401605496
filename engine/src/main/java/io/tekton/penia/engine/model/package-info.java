/** The engine's value types: budgets, scopes, periods, exact money, ledger rows, alerts, holds. */
package io.tekton.penia.engine.model;
