/**
 * Forecasts and anomaly watching: per-budget spend profiles that project a period's end
 * (with an interval and the time the stop threshold is reached), and per component,
 * provider and model rate watches that flag spend spikes against their own baseline.
 * All state is updated incrementally (a few arithmetic operations per usage record) and
 * evaluated on the guardrail's periodic pass and when a summary is read. Not thread-safe:
 * the engine guards everything here with its lock.
 */
package io.tekton.penia.engine.forecast;
