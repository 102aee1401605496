package io.tekton.penia.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.sqlite.SqliteStorage;
import io.tekton.penia.engine.store.LedgerStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that is interrupted while its write waits for the group commit still gets the
 * ledger's answer: the write is queued and will be committed whatever the thread is told, so
 * giving up (and undoing the in-memory effect) would leave the engine's counters short of the
 * ledger. The interrupt is kept for the caller.
 */
class CommitWaitTest {
    @TempDir
    Path dir;

    @Test
    void interruptedWhileWaitingForTheCommit_theRecordStandsInMemoryAndInTheLedger() {
        try (SqliteStorage db = SqliteStorage.open(dir.resolve("wait.db"), 4)) {
            LedgerStore store = db.ledger();
            BudgetEngine engine = BudgetEngine.open(EngineConfig.defaults(), db, Pricer.none());
            try {
                engine.start();
                int n = 50;
                for (int i = 0; i < n; i++) {
                    Thread.currentThread().interrupt();
                    RecordResult r = engine.record(new UsageInput("waiter", "openai", "gpt-4o", 10, 1, 0, 0, 0,
                            Money.ofUsd("0.01"), null, null, null));
                    assertThat(r.created()).isTrue();
                    assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
                }
                List<UsageRecord> rows = store.queryUsage(new LedgerStore.UsageFilter("waiter", null, null, null, null),
                        null, 1000);
                assertThat(rows).hasSize(n);
                assertThat(engine.stats().recordsTotal()).isEqualTo(n);
                assertThat(engine.stats().costTotalMicros()).isEqualTo(n * 10_000L);
            } finally {
                Thread.interrupted();
                engine.close();
            }
        }
    }
}
