package io.tekton.penia.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jfr-top --file f.jfr}: what a flight recording says in a page: the hottest methods
 * (self and inclusive CPU samples), where threads sat in native code, where they blocked on
 * locks or parked, and who allocated most. Used to find, not guess, what to fix.
 */
public final class JfrTop {
    private JfrTop() {
    }

    public static void run(Opts o) throws IOException {
        Path file = Path.of(o.required("file"));
        Path out = o.values().containsKey("out") ? Path.of(o.str("out", "")) : null;
        summarize(file, o.intValue("top", 25), out);
        for (String f : o.list("focus", "")) {
            focus(file, f, o.intValue("depth", 2), o.intValue("top", 25));
        }
    }

    /**
     * What the frames right below {@code method} (its callees, to {@code depth} levels)
     * account for, in CPU samples that pass through it: a call tree cut at one method.
     */
    public static void focus(Path file, String method, int depth, int top) throws IOException {
        Map<String, Long> paths = new HashMap<>();
        Map<String, Long> leaves = new HashMap<>();
        long total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> fr = e.getStackTrace().getFrames();
            int at = -1;
            for (int i = fr.size() - 1; i >= 0; i--) {
                if (name(fr.get(i)).endsWith(method)) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                continue;
            }
            total++;
            leaves.merge(name(fr.getFirst()), 1L, Long::sum);
            StringBuilder p = new StringBuilder();
            for (int d = 1; d <= depth; d++) {
                int i = at - d;
                p.append(d == 1 ? "" : " > ").append(i < 0 ? "(self)" : name(fr.get(i)));
                if (i < 0) {
                    break;
                }
            }
            paths.merge(p.toString(), 1L, Long::sum);
        }
        StringBuilder b = new StringBuilder();
        section(b, "below " + method + " (" + total + " samples), depth " + depth, paths, top, total, false);
        section(b, "below " + method + ": self time of the methods it runs", leaves, top, total, false);
        System.out.print(b);
    }

    public static void summarize(Path file, int top, Path out) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> incl = new HashMap<>();
        Map<String, Long> pennyIncl = new HashMap<>();
        Map<String, Long> nativeTop = new HashMap<>();
        Map<String, Long> blockedNs = new HashMap<>();
        Map<String, Long> parkedNs = new HashMap<>();
        Map<String, Long> allocBytes = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        long samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    samples++;
                    RecordedStackTrace st = e.getStackTrace();
                    if (st == null || st.getFrames().isEmpty()) {
                        continue;
                    }
                    List<RecordedFrame> fr = st.getFrames();
                    self.merge(name(fr.getFirst()), 1L, Long::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame f : fr) {
                        String n = name(f);
                        if (seen.add(n)) {
                            incl.merge(n, 1L, Long::sum);
                            if (n.startsWith("io.tekton.")) {
                                pennyIncl.merge(n, 1L, Long::sum);
                            }
                        }
                    }
                    String t = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
                    threads.merge(t == null ? "?" : t.replaceAll("[0-9]+", "#"), 1L, Long::sum);
                }
                case "jdk.NativeMethodSample" -> {
                    RecordedStackTrace st = e.getStackTrace();
                    if (st != null && !st.getFrames().isEmpty()) {
                        nativeTop.merge(name(st.getFrames().getFirst()) + " <- " + firstOwn(st), 1L, Long::sum);
                    }
                }
                case "jdk.JavaMonitorEnter" -> blockedNs.merge(firstOwn(e.getStackTrace()),
                        e.getDuration().toNanos(), Long::sum);
                case "jdk.ThreadPark" -> parkedNs.merge(firstOwn(e.getStackTrace()), e.getDuration().toNanos(), Long::sum);
                case "jdk.ObjectAllocationSample" -> allocBytes.merge(firstOwn(e.getStackTrace()),
                        e.getLong("weight"), Long::sum);
                default -> { }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("JFR ").append(file).append(": ").append(samples).append(" CPU samples\n");
        section(b, "hottest methods, self samples", self, top, samples, false);
        section(b, "io.tekton methods, inclusive samples", pennyIncl, top, samples, false);
        section(b, "any method, inclusive samples", incl, top, samples, false);
        section(b, "sampled threads", threads, 10, samples, false);
        section(b, "native method samples (top frame <- first io.tekton/sqlite frame)", nativeTop, 10, 0, false);
        section(b, "blocked on monitors, total ms (first own frame)", blockedNs, 10, 0, true);
        section(b, "parked (locks, futures, queues), total ms (first own frame)", parkedNs, 10, 0, true);
        section(b, "allocation, sampled MB (first own frame)", allocBytes, 12, 0, false);
        System.out.print(b);
        if (out != null) {
            Files.writeString(out, b.toString());
        }
    }

    private static void section(StringBuilder b, String title, Map<String, Long> m, int top, long total, boolean nanos) {
        b.append("\n-- ").append(title).append('\n');
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top).forEach(e -> {
            String v;
            if (nanos) {
                v = String.format("%10.1f", e.getValue() / 1e6);
            } else if (title.startsWith("allocation")) {
                v = String.format("%10.1f", e.getValue() / 1048576.0);
            } else if (total > 0) {
                v = String.format("%6d %5.1f%%", e.getValue(), 100.0 * e.getValue() / total);
            } else {
                v = String.format("%6d", e.getValue());
            }
            b.append(v).append("  ").append(e.getKey()).append('\n');
        });
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The first frame of Penia's code (or of the SQLite driver), else the top frame. */
    private static String firstOwn(RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "?";
        }
        for (RecordedFrame f : st.getFrames()) {
            String n = name(f);
            if (n.startsWith("io.tekton.") || n.startsWith("org.sqlite.")) {
                return n + ":" + f.getLineNumber();
            }
        }
        return name(st.getFrames().getFirst());
    }
}
