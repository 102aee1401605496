package io.tekton.penia.bench.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of a process's threads from /proc, grouped by name with digits folded
 * ("C2 CompilerThread0" and "C2 CompilerThread1" are one group): tells request handling
 * (carrier threads of virtual threads) from the ledger writer, the JIT and the GC.
 */
final class ThreadCpu {
    private ThreadCpu() {
    }

    /** Thread id to "group\tnanos". */
    static Map<String, Long> snapshot(long pid) {
        Map<String, Long> m = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : ds) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    m.put(t.getFileName() + "\t" + name, ticks * 10_000_000L);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // not on Linux
        }
        return m;
    }

    /** CPU nanoseconds per thread group between two snapshots, largest first. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> g = new HashMap<>();
        after.forEach((k, v) -> g.merge(k.substring(k.indexOf('\t') + 1), v - before.getOrDefault(k, 0L), Long::sum));
        Map<String, Long> out = new LinkedHashMap<>();
        g.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
