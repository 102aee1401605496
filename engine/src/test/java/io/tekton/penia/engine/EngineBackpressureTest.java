package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 9: the engine never waits for the ledger writer under its lock, and never
 * drops the events it collected there. With the writer's queue full every change is refused at
 * once (503 {@code unavailable}, retry in a second) and leaves nothing changed; reads go on; a
 * due hold stays held until its close can be queued. Expiry events collected by a call that
 * then fails are delivered all the same.
 */
class EngineBackpressureTest {
    static final int QUEUE = 16;

    @TempDir
    Path dir;

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-10T12:00:00Z"));
    final List<Reservation> told = new CopyOnWriteArrayList<>();

    BudgetEngine open(SqliteStorage db) {
        EngineConfig d = EngineConfig.defaults();
        EngineConfig cfg = new EngineConfig(ZoneId.of("UTC"), (InstantSource) now::get, d.defaultReservationTtl(),
                d.maxReservationTtl(), d.evaluationInterval(), d.defaultThresholds(), d.defaultWarningPercent(),
                d.defaultStopPercent(), d.defaultCooldown(), QUEUE, d.writerMaxBatch(), d.maxTimestampSkew(),
                d.maxBackdate());
        // Not started: no sweeper expires holds behind the test's back.
        BudgetEngine engine = BudgetEngine.open(cfg, db, Pricer.none());
        engine.addListener(new EngineListener() {
            @Override
            public void onReservation(Reservation r) {
                told.add(r);
            }
        });
        EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
        limits.put(Period.MONTHLY, Money.ofUsd("100"));
        engine.createBudget(BudgetSpec.builder().budgetId("b").name("b").scope(new Scope("c", null, null))
                .limits(limits).warningPercent(80).stopPercent(100).alertThresholds(List.of(70, 80, 90, 100))
                .enforcement(Enforcement.BLOCK).active(true).cooldownSeconds(3600L).build());
        return engine;
    }

    static CheckInput hold(long ttl) {
        return new CheckInput("c", "openai", "gpt-4o", Money.ofUsd("1"), null, null, true, ttl);
    }

    static UsageInput usage(String reservationId) {
        return new UsageInput("c", "openai", "gpt-4o", 10, 1, 0, 0, 0, Money.ofUsd("2"), reservationId, null, null);
    }

    List<String> expired() {
        return told.stream().filter(r -> Reservation.EXPIRED.equals(r.status())).map(Reservation::reservationId)
                .toList();
    }

    static void assertBusy(Runnable call) {
        long t0 = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOfSatisfying(PeniaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.details()).containsEntry("retry_after_seconds", 1);
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused at once").isLessThan(Duration.ofMillis(500));
    }

    long spent(BudgetEngine engine) {
        return engine.status("b").periods().getFirst().spent().micros();
    }

    long reserved(BudgetEngine engine) {
        return engine.status("b").periods().getFirst().reserved().micros();
    }

    @Test
    void fullWriterQueue_refusesEveryChangeAtOnce_changesNothing_readsGoOn() throws Exception {
        try (SqliteStorage db = SqliteStorage.open(dir.resolve("full.db"), 4)) {
            BudgetEngine engine = open(db);
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch go = new CountDownLatch(1);
            try {
                String live = engine.check(hold(600)).reservation().reservationId();
                String due = engine.check(hold(1)).reservation().reservationId();
                engine.record(usage(null));
                long spentBefore = spent(engine);
                long reservedBefore = reserved(engine);

                // The writer is stuck in a write; 16 more fill its queue.
                db.writer().submit(s -> {
                    stalled.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                stalled.await();
                for (int i = 0; i < QUEUE; i++) {
                    db.writer().submit(s -> { });
                }
                now.set(now.get().plusSeconds(2));

                assertBusy(() -> engine.record(usage(null)));
                assertBusy(() -> engine.record(usage(live)));
                assertBusy(() -> engine.check(hold(600)));
                assertBusy(() -> engine.release(live));
                assertBusy(() -> engine.resetBreaker("b", null));
                assertBusy(() -> engine.createBudget(BudgetSpec.builder().budgetId("b2").name("b2")
                        .scope(new Scope("d", null, null)).limits(new EnumMap<>(Map.of(Period.DAILY, Money.ofUsd("5"))))
                        .warningPercent(80).stopPercent(100).alertThresholds(List.of()).enforcement(Enforcement.BLOCK)
                        .active(true).cooldownSeconds(3600L).build()));

                // Nothing changed in memory; the due hold is still held (its close has no room yet).
                assertThat(engine.budget("b2")).isEmpty();
                assertThat(spent(engine)).isEqualTo(spentBefore);
                assertThat(reserved(engine)).isEqualTo(reservedBefore);
                assertThat(engine.reservation(live)).get().extracting(Reservation::status).isEqualTo(Reservation.ACTIVE);
                assertThat(engine.stats().recordsTotal()).isEqualTo(1);
                assertThat(engine.stats().activeReservations()).isEqualTo(2);
                assertThat(expired()).isEmpty();
                // Reads answer.
                assertThat(engine.budgets()).hasSize(1);
                CheckResult peek = engine.check(new CheckInput("c", "openai", "gpt-4o", Money.ofUsd("1"), null, null,
                        false, null));
                assertThat(peek.decision().allowed()).isTrue();

                go.countDown();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> db.writer().queued() == 0);
                // Room again: the due hold expires (and is told), and writes are taken.
                engine.record(usage(live));
                assertThat(expired()).containsExactly(due);
                assertThat(reserved(engine)).isZero();
                assertThat(spent(engine)).isEqualTo(spentBefore + Money.ofUsd("2").micros());
            } finally {
                go.countDown();
                engine.close();
            }
        }
    }

    @Test
    void expiryEventsCollectedByACallThatFails_areDeliveredAllTheSame() {
        try (SqliteStorage db = SqliteStorage.open(dir.resolve("events.db"), 4)) {
            BudgetEngine engine = open(db);
            try {
                String a = engine.check(hold(1)).reservation().reservationId();
                now.set(now.get().plusSeconds(2));
                assertThatThrownBy(() -> engine.status("no-such-budget")).isInstanceOf(PeniaException.class);
                assertThat(expired()).as("expired by a failed status call").containsExactly(a);

                String b = engine.check(hold(1)).reservation().reservationId();
                now.set(now.get().plusSeconds(2));
                assertThatThrownBy(() -> engine.release("res-unknown")).isInstanceOf(PeniaException.class);
                assertThat(expired()).as("expired by a failed release").containsExactly(a, b);

                String c = engine.check(hold(1)).reservation().reservationId();
                now.set(now.get().plusSeconds(2));
                assertThatThrownBy(() -> engine.check(hold(10_000_000))).isInstanceOf(PeniaException.class);
                assertThat(expired()).as("expired by a refused check").containsExactly(a, b, c);

                assertThat(reserved(engine)).isZero();
            } finally {
                engine.close();
            }
        }
    }
}
