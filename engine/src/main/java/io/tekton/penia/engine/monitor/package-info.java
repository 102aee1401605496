/** The guardrail and real-time monitors: pure functions from counters to a {@link io.tekton.penia.engine.monitor.Decision}. */
package io.tekton.penia.engine.monitor;
