package io.tekton.penia.bench.bigdb;

import io.tekton.penia.bench.Opts;
import io.tekton.penia.bench.Proc;
import io.tekton.penia.bench.Table;
import io.tekton.penia.bench.load.Client;
import io.tekton.penia.engine.store.sqlite.Database;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bigdb}: Penia over databases of 1 and 10 million ledger rows (filled once per month
 * and kept under the results directory): time from process start to {@code /health} 200,
 * heap after start, and the latency of the summaries, which must not grow with the rows.
 */
public final class BigDbRun {
    private static final int WARMUP = 30;
    private static final int SAMPLES = 200;

    private BigDbRun() {
    }

    /** One summary request. */
    private record Probe(String name, String method, String path, String body, boolean target) {
    }

    public static void run(Opts o) throws Exception {
        Path root = o.path("root", ".");
        Path out = o.path("out", "bench/results");
        Path jar = o.path("server-jar", root.resolve("server/target/penia-server.jar").toString());
        Path store = o.path("db-dir", out.resolve("bigdb").toString());
        int starts = o.intValue("starts", 3);
        List<Long> sizes = o.list("rows", "1000000,10000000").stream().map(s -> Long.parseLong(s.replace("_", ""))).toList();
        Files.createDirectories(store);
        Files.createDirectories(out);

        Table fills = new Table("Database fill (direct SQL, journal and fsync off during the fill)",
                "rows", "rollup rows", "seconds", "rows/s", "file MB", "cached");
        Table startup = new Table("Start-up and heap (process start to /health 200)", "database", "start-up ms (each)",
                "median ms", "heap used at ready MB", "live heap after full GC MB", "RSS MB");
        Map<String, Map<String, Histogram>> lat = new LinkedHashMap<>();
        Map<String, Map<String, Long>> cold = new LinkedHashMap<>();
        List<Probe> probes = probes(Instant.now());

        Path empty = Files.createTempDirectory("penia-bigdb-empty").resolve("empty.db");
        measure("empty", root, jar, empty, starts, out, startup, null, null, probes);
        for (long rows : sizes) {
            String ym = YearMonth.now(ZoneOffset.UTC).toString();
            // The schema version in the name: a database filled by an older schema would be
            // migrated at its first start and time that instead of the start-up.
            Path db = store.resolve("penia-" + rows + "-" + ym + "-v" + Database.schemaVersion() + ".db");
            boolean cached = Files.exists(db) && !o.flag("fresh");
            if (!cached) {
                System.out.printf("filling %,d rows into %s ...%n", rows, db);
                Fill.Stats s = Fill.fill(db, rows, Instant.now());
                fills.row(String.format("%,d", rows), String.format("%,d", s.rollupRows()), Table.f(s.seconds(), 1),
                        String.format("%,.0f", rows / s.seconds()), s.bytes() >> 20, "no");
            } else {
                fills.row(String.format("%,d", rows), "", "", "", Files.size(db) >> 20, "yes (" + db.getFileName() + ")");
            }
            String label = String.format("%,d rows", rows);
            Map<String, Histogram> h = new LinkedHashMap<>();
            Map<String, Long> c = new LinkedHashMap<>();
            measure(label, root, jar, db, starts, out, startup, h, c, probes);
            lat.put(label, h);
            cold.put(label, c);
        }
        if (!o.str("cds", "true").equals("false") && !sizes.isEmpty()) {
            // The same start with a dynamic AppCDS archive (classes pre-parsed and laid out by a
            // first, unmeasured run): a JVM option of the launcher, not of Penia's code.
            long rows = sizes.getLast();
            Path db = store.resolve("penia-" + rows + "-" + YearMonth.now(ZoneOffset.UTC) + ".db");
            Path jsa = out.resolve("penia-cds.jsa");
            Files.deleteIfExists(jsa);
            String cds = "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=" + jsa.toAbsolutePath();
            try (Proc p = Proc.penia(jar, root, db, out.resolve("bigdb-cds-training.log"), cds, Map.of())) {
                p.awaitReady("/health", Duration.ofSeconds(120));
            }
            measure(String.format("%,d rows + AppCDS", rows), root, jar, db, starts, out, startup, null, null, probes,
                    cds);
        }
        fills.emit(out, "bigdb-fill");
        startup.note("heap: G1 'used' from jcmd GC.heap_info right after ready, then after jcmd GC.run (the live set);"
                + " the server runs with the JVM's default heap settings.");
        startup.emit(out, "bigdb-startup");
        summaries(lat, cold, probes).emit(out, "bigdb-summaries");
    }

    private static void measure(String label, Path root, Path jar, Path db, int starts, Path out, Table startup,
                                Map<String, Histogram> lat, Map<String, Long> cold, List<Probe> probes)
            throws IOException {
        measure(label, root, jar, db, starts, out, startup, lat, cold, probes, "");
    }

    private static void measure(String label, Path root, Path jar, Path db, int starts, Path out, Table startup,
                                Map<String, Histogram> lat, Map<String, Long> cold, List<Probe> probes, String jvm)
            throws IOException {
        double[] ms = new double[starts];
        double heapReady = -1;
        double heapLive = -1;
        double rss = -1;
        for (int i = 0; i < starts; i++) {
            Path log = out.resolve("bigdb-" + label.replaceAll("[^0-9a-z]", "") + "-" + i + ".log");
            try (Proc p = Proc.penia(jar, root, db, log, jvm, Map.of())) {
                ms[i] = p.awaitReady("/health", Duration.ofSeconds(120));
                System.out.printf("%s: start %d ready in %.0f ms%n", label, i + 1, ms[i]);
                if (i == starts - 1) {
                    heapReady = p.heapUsedMb(false);
                    heapLive = p.heapUsedMb(true);
                    rss = p.rssMb();
                    if (lat != null) {
                        probe(p, probes, lat, cold);
                    }
                }
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        StringBuilder each = new StringBuilder();
        for (double m : ms) {
            each.append(each.isEmpty() ? "" : " ").append(Table.f(m, 0));
        }
        startup.row(label, each, Table.f(sorted[sorted.length / 2], 0), Table.f(heapReady, 1), Table.f(heapLive, 1),
                Table.f(rss, 0));
    }

    private static void probe(Proc p, List<Probe> probes, Map<String, Histogram> lat, Map<String, Long> cold)
            throws IOException {
        try (Client c = Client.create("raw", null, "127.0.0.1", p.port())) {
            for (Probe pr : probes) {
                byte[] body = pr.body() == null ? null : pr.body().getBytes(StandardCharsets.UTF_8);
                long t0 = System.nanoTime();
                Client.Response r = c.send(pr.method(), pr.path(), body);
                cold.put(pr.name(), (System.nanoTime() - t0) / 1000);
                if (r.status() != 200) {
                    throw new IllegalStateException(pr.name() + " answered " + r.status() + ": " + r.body());
                }
                // Bounded in time too: a slow request gets fewer samples, never minutes.
                long warmEnd = System.nanoTime() + 5_000_000_000L;
                for (int i = 0; i < WARMUP && System.nanoTime() < warmEnd; i++) {
                    c.send(pr.method(), pr.path(), body);
                }
                Histogram h = new Histogram(3);
                long end = System.nanoTime() + 10_000_000_000L;
                for (int i = 0; i < SAMPLES && (i < 5 || System.nanoTime() < end); i++) {
                    long s = System.nanoTime();
                    c.send(pr.method(), pr.path(), body);
                    h.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                }
                lat.put(pr.name(), h);
            }
        }
    }

    /** The summaries (targets), and ledger pages and odd ranges for information. */
    private static List<Probe> probes(Instant now) {
        Instant monthStart = now.atZone(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        String oddStart = monthStart.plusSeconds(3 * 86_400 + 123).toString();
        String oddEnd = now.minusSeconds(17).toString();
        String before = monthStart.minusSeconds(45L * 86_400).toString();
        List<Probe> l = new ArrayList<>();
        l.add(new Probe("GET /budgets/global/summary", "GET", "/api/v1/budgets/global/summary", null, true));
        l.add(new Probe("GET /budgets/provider-openai/summary", "GET", "/api/v1/budgets/provider-openai/summary", null,
                true));
        l.add(new Probe("POST /usage/summary {} (this month)", "POST", "/api/v1/usage/summary", "{}", true));
        l.add(new Probe("POST /usage/summary group_by day,provider", "POST", "/api/v1/usage/summary",
                "{\"group_by\":[\"day\",\"provider\"]}", true));
        l.add(new Probe("POST /usage/summary component=athena by model", "POST", "/api/v1/usage/summary",
                "{\"component\":\"athena\",\"group_by\":[\"model\"]}", true));
        l.add(new Probe("POST /usage/summary unaligned start/end", "POST", "/api/v1/usage/summary",
                "{\"start\":\"" + oddStart + "\",\"end\":\"" + oddEnd + "\",\"group_by\":[\"component\"]}", true));
        l.add(new Probe("POST /usage/summary from 45 days ago", "POST", "/api/v1/usage/summary",
                "{\"start\":\"" + before + "\",\"end\":\"" + oddEnd + "\",\"group_by\":[\"provider\"]}", true));
        l.add(new Probe("GET /usage/records?limit=100 (info)", "GET", "/api/v1/usage/records?limit=100", null, false));
        l.add(new Probe("GET /usage/records component, model (info)", "GET",
                "/api/v1/usage/records?component=athena&model=gpt-4o&limit=100", null, false));
        return l;
    }

    private static Table summaries(Map<String, Map<String, Histogram>> lat, Map<String, Map<String, Long>> cold,
                                   List<Probe> probes) {
        List<String> labels = new ArrayList<>(lat.keySet());
        List<String> header = new ArrayList<>(List.of("request"));
        for (String l : labels) {
            header.add(l + " first ms");
            header.add(l + " p50 ms");
            header.add(l + " p99 ms");
        }
        if (labels.size() >= 2) {
            header.add("p50 growth");
        }
        Table t = new Table("Summary latency over loopback, one connection, " + SAMPLES + " calls each (at most"
                + " 10 s, at least 5) after " + WARMUP + " warm-up calls (at most 5 s)", header.toArray(String[]::new));
        for (Probe pr : probes) {
            List<Object> row = new ArrayList<>(List.of(pr.name()));
            for (String l : labels) {
                Histogram h = lat.get(l).get(pr.name());
                row.add(Table.ms(cold.get(l).get(pr.name())));
                row.add(Table.ms(h.getValueAtPercentile(50)));
                row.add(Table.ms(h.getValueAtPercentile(99)));
            }
            if (labels.size() >= 2) {
                double a = lat.get(labels.getFirst()).get(pr.name()).getValueAtPercentile(50);
                double b = lat.get(labels.getLast()).get(pr.name()).getValueAtPercentile(50);
                row.add(Table.f(b / a, 2) + "x");
            }
            t.row(row.toArray());
        }
        t.note("first = the first call after start-up (cold); growth = p50 at the largest database over p50 at the"
                + " smallest.");
        return t;
    }
}
