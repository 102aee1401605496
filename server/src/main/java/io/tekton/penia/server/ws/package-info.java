/**
 * The live-update endpoint {@code /ws} (SPEC §4): clients subscribe to {@code budget_updates},
 * {@code alerts} and {@code usage}, and the {@link io.tekton.penia.server.ws.WebSocketHub} pushes
 * engine events to them.
 *
 * <p>The engine never waits for a client: its listener only enqueues. Every connection has a
 * bounded outgoing queue drained by its own writer (a virtual thread); a client that falls
 * behind by a full queue is disconnected. Budget updates are coalesced per budget by one
 * scheduler thread, which also sends heartbeats to idle connections.
 */
package io.tekton.penia.server.ws;
