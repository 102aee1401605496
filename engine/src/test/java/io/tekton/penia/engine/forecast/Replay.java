package io.tekton.penia.engine.forecast;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineConfig;
import io.tekton.penia.engine.EngineListener;
import io.tekton.penia.engine.Pricer;
import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Replays a workload through the real engine (ledger, writer, rollups, alerts) on a simulated
 * clock: each simulated minute records that minute's usage and runs the guardrail's periodic
 * evaluation, as the engine's scheduler would every 60 s. No sleeps: a simulated month takes
 * seconds.
 */
final class Replay implements AutoCloseable {
    static final ZoneId ZONE = ZoneId.of("UTC");

    /** A clock the replay moves by hand. */
    static final class SimClock implements InstantSource {
        private final AtomicReference<Instant> now;

        SimClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void set(Instant t) {
            now.set(t);
        }
    }

    final SimClock clock;
    final BudgetEngine engine;
    final List<Alert> alerts = new CopyOnWriteArrayList<>();
    private final SqliteStorage db;
    private final Path dir;

    Replay(Instant start) throws IOException {
        // tmpfs when there is one: the ledger commits with synchronous=FULL, one commit per record here.
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "penia-replay")
                : Files.createTempDirectory("penia-replay");
        clock = new SimClock(start);
        db = SqliteStorage.open(dir.resolve("replay.db"), 4);
        engine = BudgetEngine.open(EngineConfig.defaults().withZone(ZONE).withClock(clock), db,
                Pricer.none());
        engine.addListener(new EngineListener() {
            @Override
            public void onAlert(Alert a) {
                alerts.add(a);
            }
        });
    }

    /**
     * Runs [from, to) minute by minute; {@code eachMinute} sees each minute after its records
     * and evaluation, and stops the run by returning false.
     */
    void run(SyntheticWorkload w, Instant from, Instant to, java.util.function.Predicate<Instant> eachMinute) {
        for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
            clock.set(t);
            for (UsageInput in : w.minute(t)) {
                engine.record(in);
            }
            // The scheduler's evaluation, once per simulated minute (engine.evaluation_interval_seconds: 60).
            clock.set(t.plusSeconds(59));
            engine.evaluateAll(false);
            if (!eachMinute.test(t)) {
                return;
            }
        }
    }

    List<Alert> alerts(String type, Instant from, Instant to) {
        List<Alert> out = new ArrayList<>();
        for (Alert a : alerts) {
            if (a.alertType().equals(type) && !a.createdAt().isBefore(from) && a.createdAt().isBefore(to)) {
                out.add(a);
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        engine.close();
        db.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Duration minutes(long m) {
        return Duration.ofMinutes(m);
    }
}
