package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;

import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.AuditTable;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.DeliveryTable;
import io.tekton.penia.engine.store.KeyTable;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BudgetEngine#reload}: an engine whose ledger another engine changed underneath (as a
 * new leader finds it after others led) answers, after a reload, exactly as an engine freshly
 * opened on that ledger: budgets, counters, holds, breakers, defaults, fired alerts, request ids.
 */
class EngineReloadTest {
    /** A Wednesday noon: no period starts or ends while the test runs. */
    private static final Instant NOON = Instant.parse("2026-11-18T12:00:00Z");
    private final InstantSource clock = () -> NOON;

    @TempDir
    Path dir;

    private SqliteStorage db;
    private BudgetEngine stale;
    private BudgetEngine other;
    private BudgetEngine fresh;

    @AfterEach
    void close() {
        for (BudgetEngine e : new BudgetEngine[] {fresh, other}) {
            if (e != null) {
                e.sweepWhen(() -> false);
            }
        }
        if (stale != null) {
            stale.close();
        }
        db.close();
    }

    @Test
    void reload_afterAnotherEngineChangedTheLedger_answersAsAFreshlyOpenedEngine() {
        db = SqliteStorage.open(dir.resolve("reload.db"), 4);
        stale = open(db);
        stale.createBudget(daily("team", "10"));
        stale.record(usage("team", "1", "req-stale"));
        Reservation staleHold = stale.check(check("team", "2")).reservation();

        // Another leader's term: it loads what the stale one wrote, then changes much of it.
        other = open(shared(db));
        other.setDefaults(new BudgetDefaults(List.of(50, 90), 70, 100, 60));
        other.record(usage("team", "6.5", "req-other"));
        Reservation otherHold = other.check(check("team", "0.25")).reservation();
        other.release(staleHold.reservationId());
        other.createBudget(daily("lab", "1"));
        other.record(usage("lab", "1.5", null));
        assertThat(other.status("lab").periods().getFirst().breakerOpen()).isTrue();

        assertThat(stale.budgets()).as("before the reload: the stale view").hasSize(1);

        stale.reload(Duration.ofSeconds(5), () -> { });
        fresh = open(shared(db));

        assertThat(stale.statuses()).isEqualTo(fresh.statuses());
        assertThat(stale.defaults()).isEqualTo(fresh.defaults()).extracting(BudgetDefaults::thresholds)
                .isEqualTo(List.of(50, 90));
        assertThat(stale.activeHolds("team")).isEqualTo(1);
        assertThat(stale.reservation(otherHold.reservationId())).get().extracting(Reservation::status)
                .isEqualTo(Reservation.ACTIVE);
        assertThat(stale.reservation(staleHold.reservationId())).get().extracting(Reservation::status)
                .isEqualTo(Reservation.RELEASED);
        PeriodStatus team = stale.status("team").periods().getFirst();
        assertThat(team.spent().micros()).isEqualTo(7_500_000);
        assertThat(team.reserved().micros()).isEqualTo(250_000);
        assertThat(stale.status("lab").periods().getFirst().breakerOpen()).isTrue();
        assertThat(stale.stats().activeReservations()).isEqualTo(fresh.stats().activeReservations());
        assertThat(stale.remainingMicros("team", "openai", "gpt-4o", null))
                .isEqualTo(fresh.remainingMicros("team", "openai", "gpt-4o", null));
        assertThat(stale.evaluateAll(false)).as("the alerts the other engine fired are known: none again").isEmpty();
        RecordResult replay = stale.record(usage("team", "6.5", "req-other"));
        assertThat(replay.created()).as("a request id the other engine booked is a replay").isFalse();
        assertThat(db.ledger().queryUsage(new LedgerStore.UsageFilter("team", null, null, null, null), null, 100))
                .hasSize(2);
    }

    private BudgetEngine open(Storage storage) {
        BudgetEngine e = BudgetEngine.open(EngineConfig.defaults().withClock(clock), storage, Pricer.none());
        e.sweepWhen(() -> false);
        return e;
    }

    private static BudgetSpec daily(String component, String usd) {
        EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
        limits.put(Period.DAILY, Money.ofUsd(usd));
        return BudgetSpec.builder().budgetId(component).name(component).scope(new Scope(component, null, null))
                .limits(limits).warningPercent(80).stopPercent(100).alertThresholds(List.of(50, 80, 100))
                .enforcement(Enforcement.BLOCK).active(true).cooldownSeconds(3600L).build();
    }

    private static CheckInput check(String component, String usd) {
        return new CheckInput(component, "openai", "gpt-4o", null, Money.ofUsd(usd), null, null, true, 600L);
    }

    private static UsageInput usage(String component, String usd, String requestId) {
        return new UsageInput(component, "openai", "gpt-4o", null, 100, 10, 0, 0, 0, Money.ofUsd(usd), null,
                requestId, null);
    }

    /** The same storage for a second engine: its writer is the one the first engine started. */
    private static Storage shared(SqliteStorage s) {
        return new Storage() {
            @Override public String location() { return s.location(); }
            @Override public boolean isUsable() { return s.isUsable(); }
            @Override public CommitQueue startWriter(int queueCapacity, int maxBatch) { return s.writer(); }
            @Override public CommitQueue writer() { return s.writer(); }
            @Override public LedgerStore ledger() { return s.ledger(); }
            @Override public KeyTable keys() { return s.keys(); }
            @Override public AuditTable audit() { return s.audit(); }
            @Override public DeliveryTable deliveries() { return s.deliveries(); }
            @Override public void close() { }
        };
    }
}
