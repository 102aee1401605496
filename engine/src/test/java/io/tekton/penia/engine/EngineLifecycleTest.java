package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's four core paths without the server: check, record, settle (a record that names
 * a hold) and expiry, against a temporary SQLite file, each asserting the counters the engine
 * answers with and the rows the file holds (read back after a reopen where it matters).
 */
class EngineLifecycleTest {
    /** A Wednesday noon: no period starts or ends while a test runs. */
    private static final Instant NOON = Instant.parse("2026-11-18T12:00:00Z");

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(NOON);
    private final InstantSource clock = now::get;
    private SqliteStorage db;
    private BudgetEngine engine;

    @BeforeEach
    void open() {
        reopen();
    }

    @AfterEach
    void close() {
        engine.close();
        db.close();
    }

    /** Closes the engine (if open) and opens a new one on the same file, as a restart does. */
    private void reopen() {
        if (engine != null) {
            engine.close();
            db.close();
        }
        db = SqliteStorage.open(dir.resolve("engine.db"), 4);
        engine = BudgetEngine.open(EngineConfig.defaults().withClock(clock), db, Pricer.none());
        engine.start();
    }

    /** A blocking daily budget on one component: warn at 80 %, stop at 100 %. */
    private String dailyBudget(String component, String usd) {
        EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
        limits.put(Period.DAILY, Money.ofUsd(usd));
        return engine.createBudget(BudgetSpec.builder().budgetId(component).name(component)
                .scope(new Scope(component, null, null)).limits(limits).warningPercent(80).stopPercent(100)
                .alertThresholds(List.of(80, 100)).enforcement(Enforcement.BLOCK).active(true).cooldownSeconds(3600L)
                .build()).budgetId();
    }

    private static CheckInput check(String component, String usd, boolean reserve, Long ttlSeconds) {
        return new CheckInput(component, "openai", "gpt-4o", Money.ofUsd(usd), null, null, reserve, ttlSeconds);
    }

    private static UsageInput usage(String component, String usd, String reservationId) {
        return new UsageInput(component, "openai", "gpt-4o", 100, 10, 0, 0, 0, Money.ofUsd(usd), reservationId,
                null, null);
    }

    private PeriodStatus daily(String budgetId) {
        return engine.status(budgetId).periods().stream().filter(p -> p.period() == Period.DAILY).findFirst()
                .orElseThrow();
    }

    private List<UsageRecord> rows(String component) {
        return db.ledger().queryUsage(new LedgerStore.UsageFilter(component, null, null, null, null), null, 1000);
    }

    private static BigDecimal usd(Money m) {
        return BigDecimal.valueOf(m.micros(), 6);
    }

    @Test
    void check_allowsUnderTheStop_blocksPastIt_andWithoutReserveHoldsNothing() {
        String id = dailyBudget("checker", "10");
        engine.record(usage("checker", "9.5", null));

        CheckResult under = engine.check(check("checker", "0.25", false, null));
        CheckResult past = engine.check(check("checker", "1", false, null));

        assertThat(under.decision().allowed()).as("9.5 + 0.25 of 10").isTrue();
        assertThat(under.decision()).isInstanceOf(Decision.Warn.class);
        assertThat(past.decision()).as("9.5 + 1 of 10").isInstanceOf(Decision.Block.class);
        assertThat(past.decision().reasons()).isNotEmpty();
        assertThat(under.reservation()).isNull();
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("0");
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("9.5");
        assertThat(engine.stats().checksTotal()).isEqualTo(2);
        assertThat(engine.stats().blocksTotal()).isEqualTo(1);
        assertThat(rows("checker")).as("a check writes no ledger row").hasSize(1);
    }

    @Test
    void record_isLedgeredAndCounted_exactly_andTheSameAfterAReopen() {
        String id = dailyBudget("recorder", "100");
        for (String usd : List.of("0.000001", "1.25", "3.333333")) {
            RecordResult r = engine.record(usage("recorder", usd, null));
            assertThat(r.created()).isTrue();
            assertThat(r.reservationStatus()).isNull();
        }
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("4.583334");

        reopen();

        assertThat(usd(daily(id).spent())).as("counters rebuilt from the file").isEqualByComparingTo("4.583334");
        List<UsageRecord> rows = rows("recorder");
        assertThat(rows).hasSize(3);
        assertThat(rows.stream().map(r -> usd(r.cost())).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("4.583334");
    }

    @Test
    void settle_recordNamingAHold_replacesTheHeldEstimateWithTheActualCost() {
        String id = dailyBudget("settler", "10");
        Reservation hold = engine.check(check("settler", "2", true, null)).reservation();
        assertThat(hold).isNotNull();
        assertThat(hold.budgetIds()).containsExactly(id);
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("2");

        RecordResult settled = engine.record(usage("settler", "1.5", hold.reservationId()));

        assertThat(settled.reservationStatus()).isEqualTo(Reservation.SETTLED);
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("0");
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("1.5");
        assertThat(engine.stats().activeReservations()).isZero();
        // A hold settles once: a second record naming it is refused and writes nothing.
        assertThatThrownBy(() -> engine.record(usage("settler", "0.5", hold.reservationId())))
                .isInstanceOf(PeniaException.class).hasMessageContaining("already settled");
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("1.5");
        assertThat(rows("settler")).hasSize(1);

        reopen();

        assertThat(engine.reservation(hold.reservationId())).get().extracting(Reservation::status)
                .isEqualTo(Reservation.SETTLED);
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("0");
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("1.5");
    }

    @Test
    void expiry_afterTheTtl_returnsTheHeldAmount_andTheHoldIsStoredExpired() {
        String id = dailyBudget("expirer", "10");
        Reservation hold = engine.check(check("expirer", "4", true, 60L)).reservation();
        assertThat(hold.expiresAt()).isEqualTo(NOON.plusSeconds(60));
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("4");
        assertThat(engine.check(check("expirer", "7", false, null)).decision())
                .as("4 held + 7 of 10").isInstanceOf(Decision.Block.class);

        now.set(NOON.plus(Duration.ofSeconds(59)));
        assertThat(usd(daily(id).reserved())).as("a second before its expiry").isEqualByComparingTo("4");

        now.set(NOON.plus(Duration.ofSeconds(60)));
        assertThat(usd(daily(id).reserved())).as("at its expiry").isEqualByComparingTo("0");
        assertThat(engine.stats().reservationsExpired()).isEqualTo(1);
        assertThat(engine.check(check("expirer", "7", false, null)).decision().allowed()).isTrue();
        RecordResult late = engine.record(usage("expirer", "3", hold.reservationId()));
        assertThat(late.reservationStatus()).isEqualTo(Reservation.EXPIRED);
        assertThat(usd(daily(id).spent())).isEqualByComparingTo("3");

        reopen();

        assertThat(db.ledger().loadActiveReservations()).isEmpty();
        assertThat(engine.reservation(hold.reservationId())).get().extracting(Reservation::status)
                .isEqualTo(Reservation.EXPIRED);
        assertThat(usd(daily(id).reserved())).isEqualByComparingTo("0");
    }
}
