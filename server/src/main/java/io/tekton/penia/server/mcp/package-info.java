/**
 * MCP over Streamable HTTP on Helidon SE.
 *
 * <p>{@link io.tekton.penia.server.mcp.HelidonMcpTransport} carries the MCP Java SDK's
 * sessions over {@code POST}, {@code GET} and {@code DELETE} on one path (mounted at
 * {@code /mcp}): it checks the {@code Origin} against DNS rebinding, bounds bodies,
 * sessions and streams, keeps streams alive, sweeps idle sessions and shuts down
 * gracefully. {@link io.tekton.penia.server.mcp.McpRequestGate} lets the security layer
 * admit or refuse each request before any MCP processing, and hands the MCP handlers
 * what it learned about the caller.
 */
package io.tekton.penia.server.mcp;
