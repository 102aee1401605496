package io.tekton.penia.bench.load;

import io.tekton.penia.bench.Proc;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load: {@code connections} virtual threads, each with its own keep-alive
 * connection, run a scenario's step again and again; after a warm-up, each call that starts
 * and ends inside the measured window is counted and its latency recorded (HdrHistogram, µs).
 */
public final class Load {
    /** One call of a step, named by its kind ("check", "settle", …). */
    public interface Caller {
        Client.Response call(String kind, String method, String path, byte[] body) throws IOException;
    }

    /** What each worker does in a loop; {@code worker} is its index. */
    @FunctionalInterface
    public interface Step {
        void run(int worker, Caller caller) throws IOException;
    }

    /** The figures of one measured window. */
    public record Result(String name, int connections, double seconds, long requests, long steps, long errors,
                         Map<String, Histogram> byKind, Histogram all, double serverCpuMicrosPerRequest,
                         double clientCpuMicrosPerRequest, int establishedConnections, String firstError,
                         Map<String, Long> serverThreadCpuNanos, Instances instances) {
        public double requestsPerSecond() {
            return requests / seconds;
        }

        public double stepsPerSecond() {
            return steps / seconds;
        }
    }

    /**
     * Per server instance of a window (index i = the i-th port): requests its connections
     * carried, its process's CPU nanoseconds, and the ESTABLISHED sockets on its port.
     */
    public record Instances(int[] ports, long[] requests, long[] cpuNanos, int[] established) {
        public int count() {
            return ports.length;
        }
    }

    private Load() {
    }

    public static Result run(String name, String clientKind, String host, int port, int connections, double warmupSeconds,
                             double measureSeconds, Step step, long serverPid, Runnable atStart, Runnable atEnd)
            throws InterruptedException {
        return run(name, clientKind, host, new int[]{port}, connections, warmupSeconds, measureSeconds, step,
                new long[]{serverPid}, atStart, atEnd);
    }

    /**
     * The load spread over several server instances, like a load balancer with keep-alive:
     * connection i goes to {@code ports[i % ports.length]}; {@code serverPids[j]} runs the
     * server on {@code ports[j]}. Server CPU and thread groups are the sum over the processes.
     */
    public static Result run(String name, String clientKind, String host, int[] ports, int connections,
                             double warmupSeconds, double measureSeconds, Step step, long[] serverPids,
                             Runnable atStart, Runnable atEnd) throws InterruptedException {
        int n = ports.length;
        HttpClient shared = Client.jdkClient();
        List<Worker> workers = new ArrayList<>();
        Phase phase = new Phase();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(i, Client.create(clientKind, shared, host, ports[i % n]), phase, step);
            workers.add(w);
            threads.add(Thread.ofVirtual().name("load-" + i).start(w));
        }
        sleepSeconds(warmupSeconds);
        int[] establishedBy = new int[n];
        for (int j = 0; j < n; j++) {
            establishedBy[j] = established(ports[j]);
        }
        int established = java.util.Arrays.stream(establishedBy).sum();
        atStart.run();
        Map<String, Long> threads0 = threadSnapshot(serverPids);
        long[] cpu0 = cpuOf(serverPids);
        long clientCpu0 = clientCpu();
        long t0 = System.nanoTime();
        phase.measuring = true;
        sleepSeconds(measureSeconds);
        phase.measuring = false;
        long t1 = System.nanoTime();
        long[] cpu1 = cpuOf(serverPids);
        long clientCpu1 = clientCpu();
        Map<String, Long> threadCpu = ThreadCpu.delta(threads0, threadSnapshot(serverPids));
        atEnd.run();
        phase.running = false;
        for (Thread t : threads) {
            t.join(35_000);
        }
        for (Worker w : workers) {
            w.client.close();
        }
        shared.close();
        Map<String, Histogram> byKind = new LinkedHashMap<>();
        Histogram all = new Histogram(3);
        long steps = 0;
        long errors = 0;
        String firstError = null;
        long[] requestsBy = new long[n];
        for (Worker w : workers) {
            for (Map.Entry<String, Histogram> e : w.hist.entrySet()) {
                byKind.computeIfAbsent(e.getKey(), k -> new Histogram(3)).add(e.getValue());
                all.add(e.getValue());
                requestsBy[w.index % n] += e.getValue().getTotalCount();
            }
            steps += w.steps;
            errors += w.errors.get();
            if (firstError == null) {
                firstError = w.firstError;
            }
        }
        long requests = all.getTotalCount();
        double seconds = (t1 - t0) / 1e9;
        long[] cpuBy = new long[n];
        long cpu = 0;
        for (int j = 0; j < n; j++) {
            cpuBy[j] = cpu1[j] - cpu0[j];
            cpu += cpuBy[j];
        }
        return new Result(name, connections, seconds, requests, steps, errors, byKind, all,
                requests == 0 ? 0 : cpu / 1e3 / requests,
                requests == 0 ? 0 : (clientCpu1 - clientCpu0) / 1e3 / requests, established, firstError, threadCpu,
                new Instances(ports.clone(), requestsBy, cpuBy, establishedBy));
    }

    private static long[] cpuOf(long[] pids) {
        long[] c = new long[pids.length];
        for (int j = 0; j < pids.length; j++) {
            c[j] = Proc.cpuNanos(pids[j]);
        }
        return c;
    }

    /** The thread snapshots of several processes in one map (thread ids are unique across processes). */
    private static Map<String, Long> threadSnapshot(long[] pids) {
        if (pids.length == 1) {
            return ThreadCpu.snapshot(pids[0]);
        }
        Map<String, Long> m = new java.util.HashMap<>();
        for (long pid : pids) {
            m.putAll(ThreadCpu.snapshot(pid));
        }
        return m;
    }

    private static long clientCpu() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** TCP connections in state ESTABLISHED whose local port is the server's (from /proc/net/tcp). */
    static int established(int port) {
        String hex = String.format(":%04X ", port);
        int n = 0;
        for (String f : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String l : Files.readAllLines(Path.of(f))) {
                    String[] c = l.trim().split("\\s+");
                    if (c.length > 3 && (c[1] + " ").endsWith(hex) && c[3].equals("01")) {
                        n++;
                    }
                }
            } catch (IOException e) {
                // not on Linux
            }
        }
        return n;
    }

    private static void sleepSeconds(double s) throws InterruptedException {
        Thread.sleep((long) (s * 1000));
    }

    private static final class Phase {
        volatile boolean running = true;
        volatile boolean measuring;
    }

    private static final class Worker implements Runnable, Caller {
        final int index;
        final Client client;
        final Phase phase;
        final Step step;
        final Map<String, Histogram> hist = new LinkedHashMap<>();
        final AtomicLong errors = new AtomicLong();
        long steps;
        String firstError;

        Worker(int index, Client client, Phase phase, Step step) {
            this.index = index;
            this.client = client;
            this.phase = phase;
            this.step = step;
        }

        @Override
        public void run() {
            while (phase.running) {
                boolean counted = phase.measuring;
                try {
                    step.run(index, this);
                    if (counted && phase.measuring) {
                        steps++;
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e.toString());
                }
            }
        }

        @Override
        public Client.Response call(String kind, String method, String path, byte[] body) throws IOException {
            boolean counted = phase.measuring;
            long t0 = System.nanoTime();
            Client.Response r = client.send(method, path, body);
            long micros = (System.nanoTime() - t0) / 1000;
            if (counted && phase.measuring) {
                hist.computeIfAbsent(kind, k -> new Histogram(3)).recordValue(Math.max(1, micros));
            }
            if (r.status() / 100 != 2) {
                fail(kind + " answered " + r.status() + ": " + r.body());
                throw new IOException("status " + r.status());
            }
            return r;
        }

        private void fail(String what) {
            if (phase.measuring) {
                errors.incrementAndGet();
            }
            if (firstError == null) {
                firstError = what.length() > 300 ? what.substring(0, 300) : what;
            }
        }
    }

    /** The JSON body as bytes. */
    public static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
