package io.tekton.penia.bench;

import io.tekton.penia.bench.bigdb.BigDbRun;
import io.tekton.penia.bench.bigdb.Fill;
import io.tekton.penia.bench.jmh.JmhRun;
import io.tekton.penia.bench.load.LoadRun;
import io.tekton.penia.bench.load.PingServer;

import java.util.Arrays;

/**
 * The one entry point of the bench jar; {@code bench/run} calls it. Each command prints a
 * table and writes its figures under the results directory.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        Opts o = Opts.parse(Arrays.copyOfRange(args, 1, args.length));
        try {
            run(args[0], o);
        } catch (Opts.Invalid e) {
            System.err.println("bench " + args[0] + ": " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String command, Opts o) throws Exception {
        switch (command) {
            case "jmh" -> JmhRun.run(o);
            case "load" -> LoadRun.run(o);
            case "bigdb" -> BigDbRun.run(o);
            case "fill" -> Fill.main(o);
            case "ping-server" -> PingServer.serve(o.intValue("port", 0));
            case "jfr-top" -> JfrTop.run(o);
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("usage: java -jar penia-bench.jar jmh|load|bigdb|fill|ping-server|jfr-top [--key value ...]");
    }
}
