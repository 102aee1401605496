package io.tekton.penia.server;

import io.tekton.penia.engine.store.NewerSchemaException;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code bin/penia [serve|mcp-stdio|backup FILE|restore FILE]}: loads the configuration and runs Penia in the foreground. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "serve" : args[0];
        try {
            PeniaLogging.configure(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("penia: " + e.getMessage());
            System.exit(2);
            return;
        }
        String file = System.getenv().getOrDefault("PENIA_CONFIG", "config/penia.yaml");
        PeniaConfig cfg;
        try {
            cfg = ConfigLoader.load(Path.of(file), System.getenv());
        } catch (ConfigException e) {
            System.err.println("penia: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            switch (cmd) {
                case "serve" -> serve(cfg);
                case "mcp-stdio" -> StdioMain.run(cfg);
                case "backup", "restore" -> System.exit(new BackupCommands(cfg, System.out, System.err).run(cmd, args));
                default -> {
                    System.err.println("penia: unknown command '" + cmd + "' (serve, mcp-stdio, backup, restore)");
                    System.exit(2);
                }
            }
        } catch (NewerSchemaException e) {
            System.err.println("penia: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void serve(PeniaConfig cfg) throws InterruptedException {
        PeniaServer server;
        try {
            server = PeniaServer.start(cfg);
        } catch (DbOwner.InUseException e) {
            System.err.println("penia: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            PeniaLogging.stop();
            stopped.countDown();
        }, "penia-shutdown"));
        stopped.await();
    }
}
