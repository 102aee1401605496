package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;

import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written before deletes retired a budget's state still holds, under a deleted
 * budget's id, an open breaker, fired alerts and an active hold. A budget created under that
 * id starts clean all the same, and stays clean after a reopen (issue 17, item 1).
 */
class LegacyDeletedBudgetTest {
    private static final EngineConfig CFG = EngineConfig.defaults()
            .withClock(InstantSource.fixed(Instant.parse("2026-11-18T12:00:00Z")));

    @TempDir
    Path dir;

    private static BudgetSpec daily(String component) {
        EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
        limits.put(Period.DAILY, Money.ofUsd("10"));
        return BudgetSpec.builder().budgetId("q").name("q").scope(new Scope(component, null, null)).limits(limits)
                .warningPercent(80).stopPercent(100).alertThresholds(List.of(70, 80, 90, 100))
                .enforcement(Enforcement.BLOCK).active(true).cooldownSeconds(3600L).build();
    }

    private static UsageInput usage(String component, String usd) {
        return new UsageInput(component, "openai", "gpt-4o", 1, 1, 0, 0, 0, Money.ofUsd(usd), null, null, null);
    }

    private static long seventies(BudgetEngine e) {
        return e.alerts("q", null, null, 100).stream()
                .filter(a -> a.thresholdPercent() != null && a.thresholdPercent() == 70).count();
    }

    private static void assertClean(BudgetEngine e) {
        PeriodStatus p = e.status("q").periods().getFirst();
        assertThat(p.reserved().micros()).isZero();
        assertThat(p.breakerOpen()).isFalse();
    }

    @Test
    void budgetCreatedUnderALegacyDeletedId_startsClean_andStaysCleanAfterReopen() throws Exception {
        Path file = dir.resolve("legacy.db");
        String hold;
        try (SqliteStorage db = SqliteStorage.open(file, 4); BudgetEngine e = BudgetEngine.open(CFG, db, Pricer.none())) {
            e.createBudget(daily("a"));
            hold = e.check(new CheckInput("a", "openai", "gpt-4o", Money.ofUsd("4"), null, null, true, 3600L))
                    .reservation().reservationId();
            e.record(usage("a", "10"));
            e.evaluateAll(false);
            assertThat(e.status("q").periods().getFirst().breakerOpen()).isTrue();
            assertThat(seventies(e)).isEqualTo(1);
        }
        // The delete of an earlier version: the budget row only, nothing else.
        try (io.tekton.penia.engine.store.sqlite.Database db = io.tekton.penia.engine.store.sqlite.Database.open(file, 1); Connection c = db.connection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE budgets SET deleted = 1, is_active = 0 WHERE budget_id = 'q'");
        }
        try (SqliteStorage db = SqliteStorage.open(file, 4); BudgetEngine e = BudgetEngine.open(CFG, db, Pricer.none())) {
            e.createBudget(daily("b"));
            assertClean(e);
            assertThat(e.reservation(hold).orElseThrow().budgetIds()).isEmpty();
            e.record(usage("b", "7.5"));
            assertThat(seventies(e)).isEqualTo(2);
        }
        try (SqliteStorage db = SqliteStorage.open(file, 4); BudgetEngine e = BudgetEngine.open(CFG, db, Pricer.none())) {
            assertClean(e);
            assertThat(e.reservation(hold).orElseThrow().budgetIds()).isEmpty();
            e.record(usage("b", "0.1"));
            e.evaluateAll(false);
            assertThat(seventies(e)).isEqualTo(2);
            e.release(hold);
            assertClean(e);
        }
    }
}
