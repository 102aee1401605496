package io.tekton.penia.engine.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings by component, provider or model: a common value is read newest first without its
 * index, a rare one through it; both must page through exactly the matching rows, newest
 * first, whichever way SQLite is told to read them.
 */
class UsageListingTest {
    @TempDir
    Path dir;

    @Test
    void commonAndRareFilters_pageThroughExactlyTheirRows_newestFirst() throws Exception {
        try (Database db = Database.open(dir.resolve("listing.db"), 4)) {
            LedgerStore store = new LedgerStore(db);
            List<String[]> rows = new ArrayList<>();
            try (LedgerWriter writer = new LedgerWriter(db, 10_000, 256)) {
                List<CompletableFuture<Void>> done = new ArrayList<>();
                Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
                int n = LedgerStore.SCAN_FROM_MATCHES + 700;
                for (int i = 0; i < n; i++) {
                    String component = i % 97 == 0 ? "rare" : i % 5 == 0 ? "other" : "busy";
                    String model = i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini";
                    String provider = i % 7 == 0 ? "azure" : "openai";
                    rows.add(new String[]{"rec-" + i, component, provider, model});
                    done.add(writer.submit(store.insertUsage(new UsageRecord(0, "rec-" + i, null,
                            t0.plusSeconds(n - i), component, provider, model, 1, 1, 0, 0, 0, Money.ofMicros(1),
                            "reported", null, null))));
                }
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            }
            String[][] filters = {{"busy", null, null}, {"busy", null, "gpt-4o"}, {null, "openai", null},
                {null, null, "gpt-4o-mini"}, {"rare", null, null}, {"rare", "azure", null}, {"other", "openai", "gpt-4o"}};
            for (String[] f : filters) {
                List<String> expected = new ArrayList<>();
                for (int i = rows.size() - 1; i >= 0; i--) {
                    String[] r = rows.get(i);
                    if ((f[0] == null || f[0].equals(r[1])) && (f[1] == null || f[1].equals(r[2]))
                            && (f[2] == null || f[2].equals(r[3]))) {
                        expected.add(r[0]);
                    }
                }
                List<String> paged = new ArrayList<>();
                Long before = null;
                while (true) {
                    List<UsageRecord> page = store.queryUsage(new LedgerStore.UsageFilter(f[0], f[1], f[2], null, null),
                            before, 333);
                    page.forEach(r -> paged.add(r.recordId()));
                    if (page.size() < 333) {
                        break;
                    }
                    before = page.getLast().seq();
                }
                assertThat(paged).as(String.join("/", String.valueOf(f[0]), String.valueOf(f[1]), String.valueOf(f[2])))
                        .isEqualTo(expected);
            }
            assertThat(rows.stream().filter(r -> r[1].equals("busy")).count())
                    .as("the common component is past the threshold").isGreaterThan(LedgerStore.SCAN_FROM_MATCHES);
        }
    }
}
