package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
 * A settled or released hold is forgotten at once, not kept until its expiry: under load
 * (thousands of holds a second, a ten-minute TTL) the engine otherwise held millions of dead
 * holds in memory.
 */
class HoldMemoryTest {
    @TempDir
    Path dir;

    @Test
    void settledAndReleasedHolds_leaveTheExpiryQueue_liveOnesStay() {
        try (SqliteStorage db = SqliteStorage.open(dir.resolve("holds.db"), 4)) {
            BudgetEngine engine = BudgetEngine.open(EngineConfig.defaults(), db, Pricer.none());
            try {
                engine.start();
                EnumMap<Period, Money> limits = new EnumMap<>(Period.class);
                limits.put(Period.MONTHLY, Money.ofUsd("1000"));
                engine.createBudget(BudgetSpec.builder().budgetId("holds").name("holds")
                        .scope(new Scope("holder", null, null)).limits(limits).warningPercent(80).stopPercent(95)
                        .alertThresholds(List.of(70, 80, 90, 100)).enforcement(Enforcement.BLOCK).active(true)
                        .cooldownSeconds(3600L).build());
                CheckInput hold = new CheckInput("holder", "openai", "gpt-4o", Money.ofUsd("0.01"), null, null, true, null);
                for (int i = 0; i < 300; i++) {
                    String id = engine.check(hold).reservation().reservationId();
                    engine.record(new UsageInput("holder", "openai", "gpt-4o", 10, 1, 0, 0, 0, Money.ofUsd("0.009"),
                            id, null, null));
                }
                for (int i = 0; i < 200; i++) {
                    engine.release(engine.check(hold).reservation().reservationId());
                }
                String live = engine.check(hold).reservation().reservationId();

                assertThat(engine.holdsAwaitingExpiry()).as("only the one live hold").isEqualTo(1);
                assertThat(engine.stats().activeReservations()).isEqualTo(1);
                assertThat(engine.reservation(live)).isPresent();
                // Settling the last one empties it; its reserved amount is back.
                engine.record(new UsageInput("holder", "openai", "gpt-4o", 10, 1, 0, 0, 0, Money.ofUsd("0.01"), live,
                        null, null));
                assertThat(engine.holdsAwaitingExpiry()).isZero();
            } finally {
                engine.close();
            }
        }
    }
}
