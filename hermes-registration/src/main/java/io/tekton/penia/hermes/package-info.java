/**
 * Penia's client for Hermes, Tekton's registry: registers the component and its MCP tools,
 * keeps the registration alive with heartbeats, registers again when Hermes forgets it, and
 * removes everything on shutdown. Nothing here may delay or stop the server: Hermes is optional.
 */
package io.tekton.penia.hermes;
