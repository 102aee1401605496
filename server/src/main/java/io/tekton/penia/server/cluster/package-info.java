/**
 * Several Penia instances over one database: the {@link io.tekton.penia.server.cluster.LeaderView}
 * says whether this instance leads; a follower forwards every API request to the leader
 * ({@link io.tekton.penia.server.cluster.Forwarder}) and relays its WebSockets
 * ({@link io.tekton.penia.server.cluster.WsRelay}), so one engine decides everything.
 */
package io.tekton.penia.server.cluster;
