package io.tekton.penia.hermes;

import java.time.Instant;

/**
 * A snapshot of the registration for {@code /health}.
 *
 * @param registered      true while Penia holds a registration Hermes has accepted and not refused since
 * @param componentId     the id Hermes assigned most recently (kept while re-registering), or null before the first
 * @param lastHeartbeat   when Hermes last accepted a heartbeat, or null
 * @param lastError       the most recent failure (unreachable, refused, tool rejected), or null when all is well
 * @param toolsRegistered how many tools Hermes currently holds for Penia, as far as Penia knows
 */
public record HermesState(
        boolean registered,
        String componentId,
        Instant lastHeartbeat,
        String lastError,
        int toolsRegistered) {

    static final HermesState NOT_REGISTERED = new HermesState(false, null, null, null, 0);
}
