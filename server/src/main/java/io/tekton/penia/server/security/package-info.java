/**
 * SPEC §9 on every surface: API keys ({@link io.tekton.penia.server.security.KeyStore}), who a
 * request comes from ({@link io.tekton.penia.server.security.Authenticator}), per-key token
 * buckets ({@link io.tekton.penia.server.security.RateLimiter}), the role rules of REST
 * ({@link io.tekton.penia.server.security.SecurityFilter}, {@link io.tekton.penia.server.security.Policy}),
 * the gates of MCP and WebSocket, the audit trail ({@link io.tekton.penia.server.security.Audit}), and
 * what browsers may do: Host, Origin, JSON bodies and CORS ({@link io.tekton.penia.server.security.BrowserPolicy}).
 * {@link io.tekton.penia.server.security.PeniaSecurity} wires them together for the server.
 */
package io.tekton.penia.server.security;
