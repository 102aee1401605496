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
        Backend b = Backend.of(o);
        if (o.flag("ab")) {
            if (b.db() != null || b.instances() > 1 || b.compare()) {
                throw new Opts.Invalid("--db, --instances and --compare-sqlite do not apply to --ab");
            }
            ab(o);
            return;
        }
        if (o.intValue("rounds", 0) > 0) {
            rounds(o);
            return;
        }
        if (b.compare()) {
            throw new Opts.Invalid("--compare-sqlite needs --rounds N (and --scenario): it alternates the backends"
                    + " round by round");
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
             Penias penia = Penias.start(x, b, db, "penia-load")) {
            ping.awaitReady("/ping", Duration.ofSeconds(30));
            double readyMs = penia.awaitReady();
            System.out.printf("penia ready in %.0f ms (pid %d), ping server pid %d; %d connections, client %s,"
                    + " warm-up %.0fs, measure %.0fs each%n", readyMs, penia.first().pid(), ping.pid(), x.conns(),
                    x.client(), x.warm(), x.secs());
            penia.describe(b);
            setUp(penia.first());
            // The JIT's first work on Penia's request paths is not what is measured: one
            // unmeasured mixed phase first, so the first scenario is not the one that pays it.
            double serverWarm = Double.parseDouble(o.str("server-warmup", "20"));
            if (serverWarm > 0) {
                System.out.printf("warming penia up for %.0f s (not measured) ...%n", serverWarm);
                Load.run("warm-up", x.client(), "127.0.0.1", penia.ports(), x.conns(), serverWarm, 0.1, (w, c) -> {
                    if (w % 2 == 0) {
                        checkSettle(w, c);
                    } else {
                        recordOnly(w, c);
                    }
                }, penia.pids(), () -> { }, () -> { });
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
        report(results, x.out(), x.client(), x.conns(), b);
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
        Backend b = Backend.of(o);
        Setup x = Setup.of(o, "5", "10");
        int rounds = o.intValue("rounds", 5);
        String scenario = o.str("scenario", "check_settle");
        Load.Step step = step(scenario);
        Files.createDirectories(x.out());
        Path work = Files.createTempDirectory("penia-rounds");
        // With --db, each row names its backend; with --compare-sqlite, SQLite and --db alternate.
        boolean labelled = b.db() != null;
        List<String> head = new ArrayList<>(List.of("round"));
        if (labelled) {
            head.add("backend");
        }
        head.addAll(List.of("ping before", "req/s", "ping after", "ratio", "p50 ms", "p99 ms", "srv CPU µs/req",
                "cli CPU µs/req"));
        if (b.instances() > 1) {
            head.add("req/s per instance");
        }
        Table t = new Table("Rounds of " + scenario + " between ping windows, " + x.conns() + " connections, client "
                + x.client() + (labelled ? ", " + b.title() : ""), head.toArray(String[]::new));
        Map<String, List<Double>> ratios = new java.util.LinkedHashMap<>();
        Map<String, List<Double>> p99s = new java.util.LinkedHashMap<>();
        try (Proc ping = Proc.ping(x.benchJar(), x.out().resolve("ping-server.log"), "");
             Penias penia = b.compare() ? Penias.sqlite(x, work.resolve("penia.db"), "penia-rounds")
                     : Penias.start(x, b, work.resolve("penia.db"), "penia-rounds");
             Penias other = b.compare() ? Penias.shared(x, b.db(), 1, "penia-rounds-" + b.label()) : null) {
            List<Penias> backends = other == null ? List.of(penia) : List.of(penia, other);
            ping.awaitReady("/ping", Duration.ofSeconds(30));
            for (Penias p : backends) {
                p.awaitReady();
                p.describe(b);
            }
            for (Penias p : backends) {
                setUp(p.first());
            }
            for (Penias p : backends) {
                measure(labelled ? "warm-up " + p.label() + " (not counted)" : "warm-up (not counted)", x, p, step);
            }
            Load.Step pinger = (w, c) -> c.call("ping", "GET", "/ping", null);
            int pings = 0;
            double before = measure("ping " + pings, x, ping, pinger).requestsPerSecond();
            for (int i = 1; i <= rounds; i++) {
                for (Penias p : backends) {
                    Load.Result r = measure(scenario + (labelled ? " " + p.label() : "") + " " + i, x, p, step);
                    double after = measure("ping " + ++pings, x, ping, pinger).requestsPerSecond();
                    double ratio = r.requestsPerSecond() / ((before + after) / 2) * 100;
                    double p99 = r.all().getValueAtPercentile(99) / 1000.0;
                    ratios.computeIfAbsent(p.label(), k -> new ArrayList<>()).add(ratio);
                    p99s.computeIfAbsent(p.label(), k -> new ArrayList<>()).add(p99);
                    List<Object> row = new ArrayList<>(List.of(i));
                    if (labelled) {
                        row.add(p.label());
                    }
                    row.addAll(List.of(Table.f(before, 0), Table.f(r.requestsPerSecond(), 0), Table.f(after, 0),
                            Table.f(ratio, 1) + "%", Table.ms(r.all().getValueAtPercentile(50)),
                            Table.ms(r.all().getValueAtPercentile(99)), Table.f(r.serverCpuMicrosPerRequest(), 0),
                            Table.f(r.clientCpuMicrosPerRequest(), 0)));
                    if (b.instances() > 1) {
                        row.add(perInstance(r));
                    }
                    t.row(row.toArray());
                    before = after;
                }
            }
        } finally {
            deleteTree(work);
        }
        String over = " over " + rounds + " rounds of " + Table.f(x.secs(), 0) + " s.";
        if (!labelled) {
            t.note("ratio = the round's req/s over the mean of the ping windows just before and after it; "
                    + spread(ratios.get("sqlite"), p99s.get("sqlite")) + over);
            t.emit(x.out(), "rounds-" + scenario);
            return;
        }
        t.note("ratio = the round's req/s over the mean of the ping windows just before and after it"
                + (b.compare() ? "; the backends alternate, each round followed by its own ping window." : "."));
        ratios.forEach((k, v) -> t.note(k + ": " + spread(v, p99s.get(k)) + over));
        if (b.compare()) {
            t.note(b.label() + " median / sqlite median = " + Table.f(median(ratios.get(b.label()))
                    / median(ratios.get("sqlite")) * 100, 1) + "%.");
        }
        b.notes().forEach(t::note);
        t.emit(x.out(), "rounds-" + scenario + b.suffix());
    }

    /** "median …% (lowest …%, highest …%), highest p99 … ms" of one backend's rounds. */
    private static String spread(List<Double> ratios, List<Double> p99s) {
        List<Double> sorted = ratios.stream().sorted().toList();
        return "median " + Table.f(median(ratios), 1) + "% (lowest " + Table.f(sorted.getFirst(), 1) + "%, highest "
                + Table.f(sorted.getLast(), 1) + "%), highest p99 " + Table.f(p99s.stream().mapToDouble(d -> d).max()
                .orElse(Double.NaN), 2) + " ms";
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    }

    /** Each instance's req/s in a window, "a / b / c". */
    private static String perInstance(Load.Result r) {
        StringBuilder s = new StringBuilder();
        for (long n : r.instances().requests()) {
            s.append(s.isEmpty() ? "" : " / ").append(Table.f(n / r.seconds(), 0));
        }
        return s.toString();
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

    /**
     * The database options: {@code --db URL} (the {@code PENIA_DB} of the servers instead of a fresh
     * SQLite file), {@code --instances N} (N servers on that database) and {@code --compare-sqlite}
     * (rounds alternating SQLite and the {@code --db} backend).
     */
    record Backend(String db, int instances, boolean compare) {
        static Backend of(Opts o) {
            String db = o.str("db", null);
            if (db != null && (db.isBlank() || db.equals("true"))) {
                throw new Opts.Invalid("--db needs a value: --db postgresql://user@host:port/dbname");
            }
            int instances;
            try {
                instances = o.intValue("instances", 1);
            } catch (NumberFormatException e) {
                throw new Opts.Invalid("--instances needs a whole number, got '" + o.str("instances", "") + "'");
            }
            boolean compare = o.flag("compare-sqlite");
            if (instances < 1) {
                throw new Opts.Invalid("--instances must be 1 or more, got " + instances);
            }
            if (instances > 1 && db == null) {
                throw new Opts.Invalid("--instances " + instances + " needs --db postgresql://user@host:port/dbname:"
                        + " several instances share one database, and a SQLite file serves one instance");
            }
            if (compare && db == null) {
                throw new Opts.Invalid("--compare-sqlite needs --db postgresql://user@host:port/dbname to compare with");
            }
            if (compare && instances > 1) {
                throw new Opts.Invalid("--compare-sqlite compares one instance on each backend; drop --instances");
            }
            return new Backend(db, instances, compare);
        }

        /** "pg" for a PostgreSQL URL, "db" for anything else given with --db. */
        String label() {
            return db != null && (db.startsWith("postgresql:") || db.startsWith("jdbc:postgresql:")) ? "pg" : "db";
        }

        /** The results' file name suffix: "" by default, "-pg", "-pg-x3", or "-pg-vs-sqlite". */
        String suffix() {
            if (db == null) {
                return "";
            }
            return compare ? "-" + label() + "-vs-sqlite" : "-" + label() + (instances > 1 ? "-x" + instances : "");
        }

        /** For a table's title. */
        String title() {
            String name = label().equals("pg") ? "PostgreSQL" : "--db";
            return compare ? "SQLite and " + name + " alternating"
                    : instances + " Penia instance" + (instances > 1 ? "s" : "") + " on " + name;
        }

        /** The database URL without a password ({@code user:secret@} becomes {@code user:***@}). */
        String shown() {
            return db.replaceAll("(//[^/:@]+):[^@/]*@", "$1:***@");
        }

        List<String> notes() {
            List<String> n = new ArrayList<>();
            n.add("database: " + shown() + " (given by the caller, empty at the start; budgets bench-0..3 created"
                    + " by the run)" + (compare ? "; sqlite = a fresh SQLite file" : "") + ".");
            if (instances > 1) {
                n.add(instances + " Penia processes on it, each on its own port; connection i goes to instance"
                        + " i mod " + instances + " (keep-alive, like a load balancer); srv CPU = all instances'.");
            }
            return n;
        }
    }

    /**
     * The Penia server(s) of a run: one on a fresh SQLite file (the default), or N processes on
     * the {@code --db} database, each on its own port with {@code PENIA_ADVERTISE_URL} set.
     */
    static final class Penias implements AutoCloseable {
        private final String label;
        private final List<Proc> procs;
        private final Path[] logs;

        private Penias(String label, List<Proc> procs, Path[] logs) {
            this.label = label;
            this.procs = procs;
            this.logs = logs;
        }

        static Penias start(Setup x, Backend b, Path sqliteFile, String log) {
            return b.db() == null ? sqlite(x, sqliteFile, log) : shared(x, b.db(), b.instances(), log + "-" + b.label());
        }

        /** One Penia on the SQLite file {@code db}, logging to {@code log}.log: today's default. */
        static Penias sqlite(Setup x, Path db, String log) {
            Path file = x.out().resolve(log + ".log");
            return new Penias("sqlite", List.of(Proc.penia(x.serverJar(), x.root(), db, file, "", Map.of())),
                    new Path[]{file});
        }

        /** {@code n} Penia processes on the database {@code url}, logging to {@code log}[-i].log. */
        static Penias shared(Setup x, String url, int n, String log) {
            List<Proc> ps = new ArrayList<>();
            Path[] logs = new Path[n];
            try {
                for (int i = 0; i < n; i++) {
                    int port = Proc.freePort();
                    logs[i] = x.out().resolve(log + (n == 1 ? "" : "-" + (i + 1)) + ".log");
                    ps.add(Proc.penia(x.serverJar(), x.root(), url, port, logs[i], "",
                            Map.of("PENIA_ADVERTISE_URL", "http://127.0.0.1:" + port)));
                }
            } catch (RuntimeException e) {
                ps.reversed().forEach(Proc::close);
                throw e;
            }
            return new Penias(new Backend(url, n, false).label(), List.copyOf(ps), logs);
        }

        /**
         * Waits until each instance answers {@code /health} (returns the first one's ms from start
         * to ready), then, on a --db backend, until each serves the API (an instance answers 503
         * while it knows no leader).
         */
        double awaitReady() {
            double first = -1;
            for (int i = 0; i < procs.size(); i++) {
                double ms = ready(i, "/health");
                first = i == 0 ? ms : first;
            }
            if (!label.equals("sqlite")) {
                for (int i = 0; i < procs.size(); i++) {
                    ready(i, "/api/v1/budgets");
                }
            }
            return first;
        }

        private double ready(int i, String path) {
            try {
                return procs.get(i).awaitReady(path, Duration.ofSeconds(60));
            } catch (IllegalStateException e) {
                throw new IllegalStateException("penia instance " + (i + 1) + " of " + procs.size() + " (port "
                        + procs.get(i).port() + ") did not answer " + path + " with 200: " + e.getMessage()
                        + "; see " + logs[i], e);
            }
        }

        /** With a --db backend, one line per instance: pid, port, log. */
        void describe(Backend b) {
            if (b.db() == null || label.equals("sqlite")) {
                return;
            }
            for (int i = 0; i < procs.size(); i++) {
                Proc p = procs.get(i);
                System.out.printf("%s instance %d of %d: pid %d, port %d, log %s%n", label, i + 1, procs.size(), p.pid(),
                        p.port(), logs[i]);
            }
        }

        String label() {
            return label;
        }

        Proc first() {
            return procs.getFirst();
        }

        List<Proc> procs() {
            return procs;
        }

        int count() {
            return procs.size();
        }

        int[] ports() {
            return procs.stream().mapToInt(Proc::port).toArray();
        }

        long[] pids() {
            return procs.stream().mapToLong(Proc::pid).toArray();
        }

        @Override
        public void close() {
            for (Proc p : procs.reversed()) {
                p.close();
            }
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

    /** The sum of several instances' counters (/metrics is each instance's own, never forwarded). */
    private static void readLedger(List<Proc> ps, long[] into, int at) {
        if (ps.size() == 1) {
            readLedger(ps.getFirst(), into, at);
            return;
        }
        long[] one = new long[SNAPSHOT];
        for (Proc p : ps) {
            Arrays.fill(one, 0);
            readLedger(p, one, 0);
            for (int k = 0; k < SNAPSHOT; k++) {
                into[at + k] += one[k];
            }
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
        return measure(name, x, List.of(target), step);
    }

    private static Load.Result measure(String name, Setup x, Penias target, Load.Step step) throws InterruptedException {
        return measure(name, x, target.procs(), step);
    }

    /** One window over {@code targets} (several: connection i to instance i mod N). */
    private static Load.Result measure(String name, Setup x, List<Proc> targets, Load.Step step)
            throws InterruptedException {
        System.out.println("measuring " + name + " ...");
        long[] ledger = new long[2 * SNAPSHOT];
        Runnable start = () -> readLedger(targets, ledger, 0);
        Runnable end = () -> readLedger(targets, ledger, SNAPSHOT);
        if (jfrDir != null && !name.startsWith("ping")) {
            List<String> files = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                files.add(jfrDir.resolve("penia-" + name.replaceAll("[^a-z]+", "-")
                        + (targets.size() > 1 ? "-instance-" + (i + 1) : "") + ".jfr").toAbsolutePath().toString());
            }
            start = () -> {
                readLedger(targets, ledger, 0);
                for (int i = 0; i < targets.size(); i++) {
                    targets.get(i).jcmd("JFR.start", "name=bench", "settings=" + jfrSettings, "filename=" + files.get(i));
                }
            };
            end = () -> {
                readLedger(targets, ledger, SNAPSHOT);
                for (int i = 0; i < targets.size(); i++) {
                    targets.get(i).jcmd("JFR.stop", "name=bench");
                }
                for (String file : files) {
                    try {
                        JfrTop.summarize(Path.of(file), 25, Path.of(file.replace(".jfr", "-top.txt")));
                    } catch (IOException e) {
                        System.out.println("jfr summary failed: " + e);
                    }
                }
            };
        }
        Load.Result r = Load.run(name, x.client(), "127.0.0.1", targets.stream().mapToInt(Proc::port).toArray(),
                x.conns(), x.warm(), x.secs(), step, targets.stream().mapToLong(Proc::pid).toArray(), start, end);
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
        if (targets.size() > 1) {
            StringBuilder by = new StringBuilder("  per instance (req/s, server CPU µs per own request):");
            Load.Instances in = r.instances();
            for (int i = 0; i < in.count(); i++) {
                by.append(String.format(" %d:%d %.0f %.0f", i + 1, in.ports()[i], in.requests()[i] / r.seconds(),
                        in.cpuNanos()[i] / 1e3 / Math.max(1, in.requests()[i])));
            }
            System.out.println(by);
        }
        return r;
    }

    private static void report(List<Load.Result> rs, Path out, String client, int conns, Backend b) {
        double ping = rs.stream().filter(r -> r.name().startsWith("ping")).mapToDouble(Load.Result::requestsPerSecond)
                .average().orElse(Double.NaN);
        Table t = new Table("HTTP load over loopback, " + conns + " connections, client " + client
                + (b.db() == null ? "" : ", " + b.title()),
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
        if (b.db() == null) {
            t.emit(out, "load-" + client);
            return;
        }
        b.notes().forEach(t::note);
        t.emit(out, "load-" + client + b.suffix());
        if (b.instances() > 1) {
            instances(rs, out, client, conns, b);
        }
    }

    /** Per scenario and instance: req/s, share, server CPU per own request and per request of all. */
    private static void instances(List<Load.Result> rs, Path out, String client, int conns, Backend b) {
        Table t = new Table("Per instance, " + conns + " connections, client " + client + ", " + b.title(),
                "scenario", "instance", "port", "req/s", "share", "srv CPU µs/own req", "srv CPU µs/req of all",
                "conns");
        for (Load.Result r : rs) {
            Load.Instances in = r.instances();
            if (in.count() < 2) {
                continue;
            }
            for (int i = 0; i < in.count(); i++) {
                t.row(i == 0 ? r.name() : "", i + 1, in.ports()[i], Table.f(in.requests()[i] / r.seconds(), 0),
                        Table.f(100.0 * in.requests()[i] / Math.max(1, r.requests()), 1) + "%",
                        Table.f(in.cpuNanos()[i] / 1e3 / Math.max(1, in.requests()[i]), 0),
                        Table.f(in.cpuNanos()[i] / 1e3 / Math.max(1, r.requests()), 0), in.established()[i]);
            }
        }
        t.note("share = the instance's part of the requests its client connections sent (connection i to instance"
                + " i mod " + b.instances() + "); a follower forwards them to the leader, whose CPU then counts them too:"
                + " srv CPU µs/own req divides an instance's CPU by its own connections' requests, µs/req of all by"
                + " every instance's (the column sums to the whole cluster's CPU per request).");
        t.note("conns = ESTABLISHED sockets on the instance's port after warm-up: the client's, plus the followers'"
                + " forwarding connections on the leader's.");
        t.emit(out, "load-" + client + b.suffix() + "-instances");
    }

    static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
