package io.tekton.penia.server;

import io.tekton.penia.server.config.PeniaConfig;

/** {@code bin/penia mcp-stdio}: the MCP tools over stdin/stdout; logs go to stderr only. */
final class StdioMain {
    private StdioMain() {
    }

    static void run(PeniaConfig cfg) {
        System.err.println("penia: mcp-stdio is not available yet");
        System.exit(2);
    }
}
