package io.tekton.penia.bench.load;

import io.tekton.penia.bench.JfrTop;
import io.tekton.penia.bench.Opts;
import io.tekton.penia.bench.Proc;
import io.tekton.penia.bench.Table;
import io.tekton.penia.engine.store.CommitTimes;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code load}: the real Penia server over loopback against the trivial Helidon endpoint, in
 * one run: ping, check+settle, record only, the two summaries, ping again. Each throughput is
 * reported as a ratio to the mean ping rate; latencies are at {@code --connections}.
 */
public final class LoadRun {
    private static final String[][] CALLERS = {
        {"openai", "gpt-4o-mini"}, {"anthropic", "claude-haiku-4-5"},
    };
    private static final int COMPONENTS = 4;

    private LoadRun() {
    }

    public static void run(Opts o) throws Exception {
        if (o.flag("ab")) {
            ab(o);
            return;
        }
        if (o.intValue("rounds", 0) > 0) {
            rounds(o);
            return;
        }
        Setup x = Setup.of(o, "10", "15");
        List<String> scenarios = o.list("scenarios", "check_settle,record,check,budget_summary,usage_summary");
        boolean jfr = o.flag("jfr");
        jfrDir = jfr ? x.out() : null;
        jfrSettings = o.str("jfr-settings", "profile");
        Files.createDirectories(x.out());
        Path work = Files.createTempDirectory("penia-load");
        Path db = work.resolve("penia.db");

        List<Load.Result> results = new ArrayList<>();
        try (Proc ping = Proc.ping(x.benchJar(), x.out().resolve("ping-server.log"), "");
             Proc penia = Proc.penia(x.serverJar(), x.root(), db, x.out().resolve("penia-load.log"), "", Map.of())) {
            ping.awaitReady("/ping", Duration.ofSeconds(30));
            double readyMs = penia.awaitReady("/health", Duration.ofSeconds(60));
            System.out.printf("penia ready in %.0f ms (pid %d), ping server pid %d; %d connections, client %s,"
                    + " warm-up %.0fs, measure %.0fs each%n", readyMs, penia.pid(), ping.pid(), x.conns(), x.client(),
                    x.warm(), x.secs());
            setUp(penia);
            // The JIT's first work on Penia's request paths is not what is measured: one
            // unmeasured mixed phase first, so the first scenario is not the one that pays it.
            double serverWarm = Double.parseDouble(o.str("server-warmup", "20"));
            if (serverWarm > 0) {
                System.out.printf("warming penia up for %.0f s (not measured) ...%n", serverWarm);
                Load.run("warm-up", x.client(), "127.0.0.1", penia.port(), x.conns(), serverWarm, 0.1, (w, c) -> {
                    if (w % 2 == 0) {
                        checkSettle(w, c);
                    } else {
                        recordOnly(w, c);
                    }
                }, penia.pid(), () -> { }, () -> { });
            }
            results.add(measure("ping (trivial Helidon)", x, ping,
                    (w, c) -> c.call("ping", "GET", "/ping", null)));
            for (String s : scenarios) {
                results.add(switch (s) {
                    case "check_settle" -> measure("check+settle", x, penia, LoadRun::checkSettle);
                    case "record" -> measure("record only", x, penia, LoadRun::recordOnly);
                    case "check" -> measure("check, no hold", x, penia, LoadRun::checkOnly);
                    case "budget_summary" -> measure("GET budget summary", x, penia,
                            (w, c) -> c.call("budget_summary", "GET", "/api/v1/budgets/global/summary", null));
                    case "usage_summary" -> measure("POST usage summary", x, penia,
                            (w, c) -> c.call("usage_summary", "POST", "/api/v1/usage/summary", USAGE_SUMMARY));
                    default -> throw new IllegalArgumentException("unknown scenario " + s);
                });
            }
            results.add(measure("ping again", x, ping,
                    (w, c) -> c.call("ping", "GET", "/ping", null)));
        } finally {
            deleteTree(work);
        }
        report(results, x.out(), x.client(), x.conns());
    }

    /**
     * {@code load --ab}: two server builds (--jar-a, --jar-b) measured alternately on one
     * scenario, {@code --rounds} times each, so that a noisy shared machine affects both alike.
     */
    public static void ab(Opts o) throws Exception {
        Setup x = Setup.of(o, "5", "10");
        Path a = Path.of(o.required("jar-a"));
        Path b = Path.of(o.required("jar-b"));
        int rounds = o.intValue("rounds", 3);
        String scenario = o.str("scenario", "check_settle");
        Files.createDirectories(x.out());
        Path work = Files.createTempDirectory("penia-ab");
        Table t = new Table("A/B " + scenario + ", " + x.conns() + " connections, client " + x.client(), "round", "build",
                "req/s", "p50 ms", "p99 ms", "srv CPU µs/req", "threads µs/req");
        // --jvm-a / --jvm-b: JVM options of one build only (the same jar twice compares options).
        String jvmA = o.str("jvm-a", "");
        String jvmB = o.str("jvm-b", "");
        try (Proc pa = Proc.penia(a, x.root(), work.resolve("a.db"), x.out().resolve("ab-a.log"), jvmA, Map.of());
             Proc pb = Proc.penia(b, x.root(), work.resolve("b.db"), x.out().resolve("ab-b.log"), jvmB, Map.of())) {
            pa.awaitReady("/health", Duration.ofSeconds(60));
            pb.awaitReady("/health", Duration.ofSeconds(60));
            setUp(pa);
            setUp(pb);
            Load.Step step = step(scenario);
            // A first warm-up of each build: the JIT's work is not what is compared.
            measure("warm a", x, pa, step);
            measure("warm b", x, pb, step);
            for (int i = 1; i <= rounds; i++) {
                for (Proc p : new Proc[]{pa, pb}) {
                    String label = p == pa ? "a" : "b";
                    Load.Result r = measure(label + i, x, p, step);
                    t.row(i, label, Table.f(r.requestsPerSecond(), 0), Table.ms(r.all().getValueAtPercentile(50)),
                            Table.ms(r.all().getValueAtPercentile(99)), Table.f(r.serverCpuMicrosPerRequest(), 0),
                            threadSummary(r));
                }
            }
        } finally {
            deleteTree(work);
        }
        t.note("a = " + a + (jvmA.isEmpty() ? "" : " " + jvmA) + ", b = " + b + (jvmB.isEmpty() ? "" : " " + jvmB));
        t.emit(x.out(), "ab-" + scenario);
    }

    /**
     * {@code load --rounds R}: one scenario and ping measured alternately (ping, scenario, ping,
     * …, ping), each scenario window's ratio taken against the ping windows just before and just
     * after it. The machine's speed moves by a fifth within minutes; the median of R such ratios
     * is the figure to compare with a target, and their spread says how far one run can be off.
     */
    public static void rounds(Opts o) throws Exception {
        Setup x = Setup.of(o, "5", "10");
        int rounds = o.intValue("rounds", 5);
        String scenario = o.str("scenario", "check_settle");
        Load.Step step = step(scenario);
        Files.createDirectories(x.out());
        Path work = Files.createTempDirectory("penia-rounds");
        Table t = new Table("Rounds of " + scenario + " between ping windows, " + x.conns() + " connections, client "
                + x.client(),
                "round", "ping before", "req/s", "ping after", "ratio", "p50 ms", "p99 ms", "srv CPU µs/req",
                "cli CPU µs/req");
        List<Double> ratios = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        try (Proc ping = Proc.ping(x.benchJar(), x.out().resolve("ping-server.log"), "");
             Proc penia = Proc.penia(x.serverJar(), x.root(), work.resolve("penia.db"), x.out().resolve("penia-rounds.log"),
                     "", Map.of())) {
            ping.awaitReady("/ping", Duration.ofSeconds(30));
            penia.awaitReady("/health", Duration.ofSeconds(60));
            setUp(penia);
            measure("warm-up (not counted)", x, penia, step);
            Load.Step pinger = (w, c) -> c.call("ping", "GET", "/ping", null);
            double before = measure("ping 0", x, ping, pinger).requestsPerSecond();
            for (int i = 1; i <= rounds; i++) {
                Load.Result r = measure(scenario + " " + i, x, penia, step);
                double after = measure("ping " + i, x, ping, pinger).requestsPerSecond();
                double ratio = r.requestsPerSecond() / ((before + after) / 2) * 100;
                double p99 = r.all().getValueAtPercentile(99) / 1000.0;
                ratios.add(ratio);
                p99s.add(p99);
                t.row(i, Table.f(before, 0), Table.f(r.requestsPerSecond(), 0), Table.f(after, 0), Table.f(ratio, 1) + "%",
                        Table.ms(r.all().getValueAtPercentile(50)), Table.ms(r.all().getValueAtPercentile(99)),
                        Table.f(r.serverCpuMicrosPerRequest(), 0), Table.f(r.clientCpuMicrosPerRequest(), 0));
                before = after;
            }
        } finally {
            deleteTree(work);
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        t.note("ratio = the round's req/s over the mean of the ping windows just before and after it; median "
                + Table.f(median, 1) + "% (lowest " + Table.f(sorted.getFirst(), 1) + "%, highest "
                + Table.f(sorted.getLast(), 1) + "%), highest p99 " + Table.f(p99s.stream().mapToDouble(d -> d).max()
                .orElse(Double.NaN), 2) + " ms over " + rounds + " rounds of " + Table.f(x.secs(), 0) + " s.");
        t.emit(x.out(), "rounds-" + scenario);
    }

    /** The options every load mode reads (--root, --out, the jars, --connections, --warmup, --duration, --client). */
    private record Setup(Path root, Path out, Path serverJar, Path benchJar, int conns, double warm, double secs,
                         String client) {
        static Setup of(Opts o, String warmDefault, String secsDefault) {
            Path root = o.path("root", ".");
            return new Setup(root, o.path("out", "bench/results"),
                    o.path("server-jar", root.resolve("server/target/penia-server.jar").toString()),
                    o.path("bench-jar", root.resolve("bench/target/penia-bench.jar").toString()),
                    o.intValue("connections", 64), Double.parseDouble(o.str("warmup", warmDefault)),
                    Double.parseDouble(o.str("duration", secsDefault)), o.str("client", "raw"));
        }
    }

    /** The step of a scenario that {@code --ab} and {@code --rounds} measure. */
    private static Load.Step step(String scenario) {
        return switch (scenario) {
            case "check_settle" -> LoadRun::checkSettle;
            case "record" -> LoadRun::recordOnly;
            case "check" -> LoadRun::checkOnly;
            default -> throw new IllegalArgumentException("--scenario check_settle, record or check");
        };
    }

    private static String threadSummary(Load.Result r) {
        StringBuilder b = new StringBuilder();
        r.serverThreadCpuNanos().entrySet().stream().limit(3).forEach(e -> b.append(b.isEmpty() ? "" : " ")
                .append(e.getKey().replaceAll("[^A-Za-z]", "")).append('=')
                .append(Table.f(e.getValue() / 1e3 / Math.max(1, r.requests()), 0)));
        return b.toString();
    }

    private static final byte[] USAGE_SUMMARY = Load.json("{\"group_by\":[\"provider\"]}");

    /** Component budgets (daily and monthly) besides the seeded global and provider ones. */
    private static void setUp(Proc penia) throws IOException {
        try (Client c = Client.create("raw", null, "127.0.0.1", penia.port())) {
            for (int i = 0; i < COMPONENTS; i++) {
                Client.Response r = c.send("POST", "/api/v1/budgets", Load.json("{\"budget_id\":\"bench-" + i
                        + "\",\"name\":\"bench component " + i + "\",\"scope\":{\"component\":\"bench-" + i
                        + "\"},\"limits\":{\"daily\":1000000,\"monthly\":1000000}}"));
                if (r.status() != 201) {
                    throw new IllegalStateException("budget not created: " + r.status() + " " + r.body());
                }
            }
        }
    }

    /**
     * Request bodies, made once per worker kind (component × caller): the load loop should
     * spend the shared CPU on requests, not on building the same JSON again each time.
     */
    private static final int KINDS = COMPONENTS * CALLERS.length;
    private static final byte[][] CHECK_HOLD = new byte[KINDS][];
    private static final byte[][] CHECK = new byte[KINDS][];
    private static final byte[][] RECORD = new byte[KINDS][];
    private static final byte[][] SETTLE_HEAD = new byte[KINDS][];
    private static final byte[] SETTLE_TAIL = Load.json("\"}");

    static {
        for (int w = 0; w < KINDS; w++) {
            String[] pm = CALLERS[w % CALLERS.length];
            String who = "\"component\":\"bench-" + (w % COMPONENTS) + "\",\"provider\":\"" + pm[0] + "\",\"model\":\""
                    + pm[1] + "\"";
            CHECK_HOLD[w] = Load.json("{" + who + ",\"estimated_cost\":0.002,\"reserve\":true}");
            CHECK[w] = Load.json("{" + who + ",\"estimated_cost\":0.002}");
            RECORD[w] = Load.json("{" + who + ",\"input_tokens\":120,\"output_tokens\":30}");
            SETTLE_HEAD[w] = Load.json("{" + who + ",\"input_tokens\":120,\"output_tokens\":30,\"reservation_id\":\"");
        }
    }

    /** The normal call pattern: check with a hold, then record the actual usage against it. */
    private static void checkSettle(int w, Load.Caller c) throws IOException {
        int k = w % KINDS;
        Client.Response r = c.call("check", "POST", "/api/v1/budget-alerts/unified/check-operation", CHECK_HOLD[k]);
        byte[] id = field(r.raw(), RESERVATION_ID);
        if (id == null) {
            throw new IOException("no hold in " + r.body());
        }
        byte[] head = SETTLE_HEAD[k];
        byte[] body = Arrays.copyOf(head, head.length + id.length + SETTLE_TAIL.length);
        System.arraycopy(id, 0, body, head.length, id.length);
        System.arraycopy(SETTLE_TAIL, 0, body, head.length + id.length, SETTLE_TAIL.length);
        c.call("settle", "POST", "/api/v1/usage/record", body);
    }

    /** A check without a hold: the decision and its answer, nothing written (splits check+settle's cost). */
    private static void checkOnly(int w, Load.Caller c) throws IOException {
        c.call("check", "POST", "/api/v1/budget-alerts/unified/check-operation", CHECK[w % KINDS]);
    }

    private static void recordOnly(int w, Load.Caller c) throws IOException {
        c.call("record", "POST", "/api/v1/usage/record", RECORD[w % KINDS]);
    }

    private static final byte[] RESERVATION_ID = Load.json("\"reservation_id\":\"");

    /**
     * The string value of {@code key} (given as its bytes {@code "name":"}) in a JSON answer, as
     * bytes. Searched from the end: the reservation id is the answer's next-to-last field, after
     * a dozen reasons, and the client shares the two cores with the server it measures.
     */
    static byte[] field(byte[] json, byte[] key) {
        outer:
        for (int i = json.length - key.length; i >= 0; i--) {
            for (int j = 0; j < key.length; j++) {
                if (json[i + j] != key[j]) {
                    continue outer;
                }
            }
            int s = i + key.length;
            for (int e = s; e < json.length; e++) {
                if (json[e] == '"') {
                    return Arrays.copyOfRange(json, s, e);
                }
            }
            return null;
        }
        return null;
    }

    /** Commit-time histogram bounds in Penia's /metrics (ms), then +Inf. */
    private static final double[] COMMIT_BOUNDS_MS = CommitTimes.BOUNDS_MS;
    /** One /metrics snapshot: commits, writes, writer-checkpoint µs, then the cumulative commit-time buckets. */
    private static final int SNAPSHOT = 3 + COMMIT_BOUNDS_MS.length + 1;

    /** Penia's group-commit counters from /metrics into {@code into[at ...]} (layout: {@link #SNAPSHOT}). */
    private static void readLedger(Proc p, long[] into, int at) {
        if (p.port() <= 0) {
            return;
        }
        try (Client c = Client.create("raw", null, "127.0.0.1", p.port())) {
            Client.Response r = c.send("GET", "/metrics", null);
            int bucket = 0;
            for (String line : r.body().split("\n")) {
                String value = line.substring(line.lastIndexOf(' ') + 1).trim();
                if (line.startsWith("penia_ledger_commits_total ")) {
                    into[at] = (long) Double.parseDouble(value);
                } else if (line.startsWith("penia_ledger_writes_total ")) {
                    into[at + 1] = (long) Double.parseDouble(value);
                } else if (line.startsWith("penia_ledger_wal_restart_seconds_total ")) {
                    into[at + 2] = (long) (Double.parseDouble(value) * 1e6);
                } else if (line.startsWith("penia_ledger_commit_seconds_bucket") && bucket <= COMMIT_BOUNDS_MS.length) {
                    into[at + 3 + bucket++] = (long) Double.parseDouble(value);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the ping server has no /metrics
        }
    }

    /** The bucket bound (ms) under which {@code q} of the window's commits finished ("> " the last bound above it). */
    private static String commitQuantile(long[] l, double q) {
        long total = l[SNAPSHOT + 3 + COMMIT_BOUNDS_MS.length] - l[3 + COMMIT_BOUNDS_MS.length];
        for (int i = 0; i < COMMIT_BOUNDS_MS.length; i++) {
            if (l[SNAPSHOT + 3 + i] - l[3 + i] >= q * total) {
                return "<= " + Table.f(COMMIT_BOUNDS_MS[i], COMMIT_BOUNDS_MS[i] < 1 ? 1 : 0);
            }
        }
        return "> " + Table.f(COMMIT_BOUNDS_MS[COMMIT_BOUNDS_MS.length - 1], 0);
    }

    private static Path jfrDir;
    private static String jfrSettings = "profile";
    private static final List<String> threadNotes = new ArrayList<>();

    private static Load.Result measure(String name, Setup x, Proc target, Load.Step step) throws InterruptedException {
        System.out.println("measuring " + name + " ...");
        long[] ledger = new long[2 * SNAPSHOT];
        Runnable start = () -> readLedger(target, ledger, 0);
        Runnable end = () -> readLedger(target, ledger, SNAPSHOT);
        if (jfrDir != null && !name.startsWith("ping")) {
            String file = jfrDir.resolve("penia-" + name.replaceAll("[^a-z]+", "-") + ".jfr").toAbsolutePath().toString();
            start = () -> {
                readLedger(target, ledger, 0);
                target.jcmd("JFR.start", "name=bench", "settings=" + jfrSettings, "filename=" + file);
            };
            end = () -> {
                readLedger(target, ledger, SNAPSHOT);
                target.jcmd("JFR.stop", "name=bench");
                try {
                    JfrTop.summarize(Path.of(file), 25, Path.of(file.replace(".jfr", "-top.txt")));
                } catch (IOException e) {
                    System.out.println("jfr summary failed: " + e);
                }
            };
        }
        Load.Result r = Load.run(name, x.client(), "127.0.0.1", target.port(), x.conns(), x.warm(), x.secs(), step,
                target.pid(), start, end);
        System.out.printf("  %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d%s%n", r.requestsPerSecond(),
                r.all().getValueAtPercentile(50) / 1000.0, r.all().getValueAtPercentile(99) / 1000.0, r.errors(),
                r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
        StringBuilder cpu = new StringBuilder("  server CPU µs/request by thread group:");
        r.serverThreadCpuNanos().entrySet().stream().limit(6).forEach(e -> cpu.append(String.format(" %s=%.0f",
                e.getKey(), e.getValue() / 1e3 / Math.max(1, r.requests()))));
        System.out.println(cpu);
        threadNotes.add(r.name() + ": " + cpu.substring(cpu.indexOf(":") + 2));
        if (ledger[SNAPSHOT] > ledger[0]) {
            long commits = ledger[SNAPSHOT] - ledger[0];
            long writes = ledger[SNAPSHOT + 1] - ledger[1];
            String l = String.format("  ledger: %.0f commits/s, %.1f writes per commit; commit time p50 %s ms, p99 %s ms;"
                            + " writer's own checkpoints %.1f ms/s", commits / r.seconds(), (double) writes / commits,
                    commitQuantile(ledger, 0.5), commitQuantile(ledger, 0.99),
                    (ledger[SNAPSHOT + 2] - ledger[2]) / 1e3 / r.seconds());
            System.out.println(l);
            threadNotes.add(r.name() + " " + l.trim());
        }
        return r;
    }

    private static void report(List<Load.Result> rs, Path out, String client, int conns) {
        double ping = rs.stream().filter(r -> r.name().startsWith("ping")).mapToDouble(Load.Result::requestsPerSecond)
                .average().orElse(Double.NaN);
        Table t = new Table("HTTP load over loopback, " + conns + " connections, client " + client,
                "scenario", "calls", "req/s", "ratio", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms",
                "srv CPU µs/req", "cli CPU µs/req", "conns", "errors");
        for (Load.Result r : rs) {
            List<Map.Entry<String, Histogram>> kinds = new ArrayList<>(r.byKind().entrySet());
            t.row(r.name(), "all", Table.f(r.requestsPerSecond(), 0), Table.f(r.requestsPerSecond() / ping * 100, 1) + "%",
                    Table.f(r.stepsPerSecond(), 0), Table.ms(r.all().getValueAtPercentile(50)),
                    Table.ms(r.all().getValueAtPercentile(99)), Table.ms(r.all().getValueAtPercentile(99.9)),
                    Table.ms(r.all().getMaxValue()), Table.f(r.serverCpuMicrosPerRequest(), 0),
                    Table.f(r.clientCpuMicrosPerRequest(), 0), r.establishedConnections(), r.errors());
            if (kinds.size() > 1) {
                for (Map.Entry<String, Histogram> k : kinds) {
                    Histogram h = k.getValue();
                    t.row("", k.getKey(), Table.f(h.getTotalCount() / r.seconds(), 0), "", "",
                            Table.ms(h.getValueAtPercentile(50)), Table.ms(h.getValueAtPercentile(99)),
                            Table.ms(h.getValueAtPercentile(99.9)), Table.ms(h.getMaxValue()), "", "", "", "");
                }
            }
        }
        t.note("ratio = req/s over the mean of the two ping runs (" + Table.f(ping, 0) + " req/s); ops/s counts"
                + " check+settle pairs as one op; conns = ESTABLISHED sockets on the server port after warm-up.");
        t.note("closed loop: each connection sends its next request when the previous answers (service time, no"
                + " coordinated-omission correction); CPU = process user+sys time over the measured window.");
        t.note("server CPU µs per request by thread group (ForkJoinPool = carriers of the request virtual threads):");
        threadNotes.forEach(n -> t.note("  " + n));
        t.emit(out, "load-" + client);
    }

    static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
