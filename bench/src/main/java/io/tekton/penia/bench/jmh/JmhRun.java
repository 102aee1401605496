package io.tekton.penia.bench.jmh;

import io.tekton.penia.bench.Opts;
import io.tekton.penia.bench.Table;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code jmh}: the in-process benchmarks, in three runs: the decision (one thread), the
 * durable paths with one thread (commit latency), and with 16 threads (group commit).
 */
public final class JmhRun {
    private JmhRun() {
    }

    public static void run(Opts o) throws RunnerException, IOException {
        Path out = o.path("out", "bench/results");
        Files.createDirectories(out);
        boolean quick = o.flag("quick");
        int writers = o.intValue("threads", 16);
        List<Row> rows = new ArrayList<>();
        rows.addAll(run(out, "decision", EngineBench.class.getName() + ".decision|" + DecisionBench.class.getName() + ".*",
                1, quick, true));
        String durable = EngineBench.class.getName() + ".(checkReserve|recordReported|checkThenSettle)";
        rows.addAll(run(out, "durable-1", durable, 1, quick, false));
        rows.addAll(run(out, "durable-" + writers, durable, writers, quick, false));
        Table t = new Table("JMH, in process (SampleTime; µs per call)", "benchmark", "threads", "p50 µs", "p90 µs",
                "p99 µs", "mean µs", "ops/s", "alloc B/op", "samples");
        for (Row r : rows) {
            t.row(r.name, r.threads, Table.f(r.p50, 2), Table.f(r.p90, 2), Table.f(r.p99, 2), Table.f(r.mean, 2),
                    Table.f(r.threads * 1e6 / r.mean, 0), r.allocPerOp < 0 ? "" : Table.f(r.allocPerOp, 0), r.n);
        }
        t.note("ops/s = threads / mean latency. decision and DecisionBench touch no disk; the others await their"
                + " SQLite group commit (WAL, synchronous=FULL) like the REST handlers.");
        t.emit(out, "jmh");
    }

    private record Row(String name, int threads, double p50, double p90, double p99, double mean, double allocPerOp,
                       long n) {
    }

    private static List<Row> run(Path out, String label, String include, int threads, boolean quick, boolean gc)
            throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(include)
                .forks(1)
                .threads(threads)
                .warmupIterations(quick ? 2 : 3)
                .warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 3 : 4)
                .measurementTime(TimeValue.seconds(quick ? 1 : 3))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xmx1g")
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh-" + label + ".json").toString());
        if (gc) {
            b.addProfiler("gc");
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult rr : results) {
            Result<?> p = rr.getPrimaryResult();
            Statistics s = p.getStatistics();
            String name = rr.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            double alloc = -1;
            for (var e : rr.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().getScore();
                }
            }
            rows.add(new Row(name, threads, s.getPercentile(50), s.getPercentile(90), s.getPercentile(99), s.getMean(),
                    alloc, s.getN()));
        }
        return rows;
    }
}
