package io.tekton.penia.server;

import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.tekton.penia.server.alerts.AlertDispatcher;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.server.security.PeniaSecurity;
import io.tekton.penia.tools.BudgetTools;

import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * {@code bin/penia mcp-stdio}: the MCP tools over stdin/stdout as the local admin. Stdout
 * carries only MCP messages; every log line goes to stderr.
 */
final class StdioMain {
    private StdioMain() {
    }

    static void run(PeniaConfig cfg) throws InterruptedException {
        routeLogsToStderr();
        Core core = Core.open(cfg, InstantSource.system());
        // Alerts raised through stdio tools reach their channels as they do over HTTP.
        AlertDispatcher alerts = new AlertDispatcher(core.engine(), cfg.alerts(), cfg.mail(), PeniaServer.VERSION);
        core.engine().setAlertOutbox(alerts);
        core.engine().addListener(alerts);
        core.engine().start();
        alerts.start();
        StdioServerTransportProvider transport = new StdioServerTransportProvider(McpWiring.mapper());
        // The local admin's changes are audited as over HTTP.
        BudgetTools tools = PeniaSecurity.create(cfg.security(), core.engine()).audited(core.tools());
        McpSyncServer server = McpWiring.stdio(transport, core.engine(), tools, core.assistant());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.closeGracefully();
            alerts.close();
            core.close();
            done.countDown();
        }, "penia-stdio-shutdown"));
        done.await();
    }

    private static void routeLogsToStderr() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new ConsoleHandler()); // ConsoleHandler writes to System.err
    }
}
