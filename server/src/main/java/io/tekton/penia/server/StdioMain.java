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
 * carries only MCP messages; every log line goes to stderr. When a Penia server owns the
 * database file, stdio forwards to that server's {@code /mcp} (see {@link StdioForwarder});
 * it opens the file itself only when no server runs. Over PostgreSQL it always forwards, to the
 * leader named in {@code cluster_leader} (read again when that leader is lost). It exits when stdin closes.
 */
final class StdioMain {
    private StdioMain() {
    }

    /** How long to wait for a server that owns the database but does not listen yet. */
    private static final long OWNER_URL_WAIT_MS = 20_000;

    static void run(PeniaConfig cfg) throws Exception {
        routeLogsToStderr();
        if (cfg.database().isPostgres()) {
            forwardToLeader(cfg);
            return;
        }
        Core core = null;
        long deadline = System.currentTimeMillis() + OWNER_URL_WAIT_MS;
        while (core == null) {
            try {
                core = Core.open(cfg, InstantSource.system(), "mcp-stdio");
            } catch (DbOwner.InUseException e) {
                DbOwner.Owner owner = e.owner();
                if (owner.url() != null) {
                    System.err.println("penia: " + e.file() + " is owned by the Penia server " + owner.url()
                            + " (pid " + owner.pid() + "); forwarding MCP to " + owner.url() + "/mcp");
                    new StdioForwarder(owner.url(), cfg.security().adminKey(), System.out).run(System.in);
                    System.exit(0);
                    return;
                }
                if ("mcp-stdio".equals(owner.command()) || System.currentTimeMillis() > deadline) {
                    System.err.println("penia: " + e.getMessage());
                    System.exit(1);
                    return;
                }
                Thread.sleep(200); // a server starting: its URL comes once it listens
            }
        }
        Core owned = core;
        // Alerts raised through stdio tools reach their channels as they do over HTTP.
        AlertDispatcher alerts = new AlertDispatcher(core.engine(), core.storage(), cfg.alerts(), cfg.mail(), PeniaServer.VERSION);
        core.engine().setAlertOutbox(alerts);
        core.engine().addListener(alerts);
        core.engine().start();
        alerts.start();
        CountDownLatch stdinClosed = new CountDownLatch(1);
        StdioServerTransportProvider transport = new StdioServerTransportProvider(McpWiring.mapper(),
                new EofSignal(System.in, stdinClosed::countDown), System.out);
        // The local admin's changes are audited as over HTTP.
        BudgetTools tools = PeniaSecurity.create(cfg.security(), core.engine(), core.storage()).audited(core.tools());
        McpSyncServer server = McpWiring.stdio(transport, core.engine(), tools, core.assistant());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.closeGracefully();
            alerts.close();
            owned.close();
        }, "penia-stdio-shutdown"));
        // The client closed stdin: nothing more can come, so stop (the hook commits and closes).
        stdinClosed.await();
        System.exit(0);
    }

    /** How long to wait for a leader's URL in cluster_leader (an instance may be starting). */
    private static final long LEADER_URL_WAIT_MS = 5_000;

    /**
     * Over PostgreSQL no file says who writes: the leader does, so stdio forwards to the URL in
     * the cluster_leader row (an engine of its own would never lead and its writes would fail).
     */
    private static void forwardToLeader(PeniaConfig cfg) throws Exception {
        io.tekton.penia.engine.store.postgres.PgUrl db = io.tekton.penia.engine.store.postgres.PgUrl.parse(
                cfg.database().postgresUrl(), cfg.database().password());
        long deadline = System.currentTimeMillis() + LEADER_URL_WAIT_MS;
        String problem;
        while (true) {
            try {
                io.tekton.penia.engine.store.postgres.PgLeaderLock.Leader leader =
                        io.tekton.penia.engine.store.postgres.PgLeaderLock.readLeader(db);
                if (leader.url() != null && !leader.url().isBlank()) {
                    String url = StdioForwarder.base(leader.url());
                    System.err.println("penia: " + cfg.database().describe() + " is led by the Penia server " + url
                            + " (epoch " + leader.epoch() + "); forwarding MCP to " + url + "/mcp");
                    // A leader that dies is replaced: the forwarder reads the row again then.
                    new StdioForwarder(url, leader.epoch(), () -> io.tekton.penia.engine.store.postgres.PgLeaderLock
                            .readLeader(db), cfg.security().adminKey(), System.out).run(System.in);
                    System.exit(0);
                    return;
                }
                problem = "the cluster_leader row names no URL";
            } catch (io.tekton.penia.engine.store.StoreException e) {
                problem = e.getMessage();
            }
            if (System.currentTimeMillis() > deadline) {
                System.err.println("penia: no Penia leader is known for " + cfg.database().describe() + " (" + problem
                        + "); start a Penia server on this database, mcp-stdio forwards to it");
                System.exit(1);
                return;
            }
            Thread.sleep(250);
        }
    }

    /** Stdin, telling once when it has ended. */
    private static final class EofSignal extends java.io.FilterInputStream {
        private final Runnable onEof;
        private final java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();

        EofSignal(java.io.InputStream in, Runnable onEof) {
            super(in);
            this.onEof = onEof;
        }

        @Override
        public int read() throws java.io.IOException {
            return ended(super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            return ended(super.read(b, off, len));
        }

        private int ended(int n) {
            if (n < 0 && told.compareAndSet(false, true)) {
                onEof.run();
            }
            return n;
        }
    }

    private static void routeLogsToStderr() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new ConsoleHandler()); // ConsoleHandler writes to System.err
    }
}
