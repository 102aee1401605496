package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.LedgerStore;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings and raw sums through the rollups' seq intervals (schema version 5: the ledger has no
 * secondary index). Rows are written with timestamps running backwards, some of them days
 * back, so that buckets' intervals overlap; every filter, with and without a time range, must
 * page through exactly its rows newest first, and the raw sums of a partial range must be the
 * rows' own.
 */
class UsageListingTest {
    @TempDir
    Path dir;

    private record Row(long seq, String id, Instant ts, String component, String provider, String model, long cost) {
    }

    @Test
    void filtersAndRanges_pageThroughExactlyTheirRows_newestFirst() throws Exception {
        try (Database db = Database.open(dir.resolve("listing.db"), 4)) {
            SqliteLedger store = new SqliteLedger(db);
            Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
            int n = 2_700;
            try (LedgerWriter writer = new LedgerWriter(db, 10_000, 256)) {
                List<CompletableFuture<Void>> done = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String component = i % 97 == 0 ? "rare" : i % 5 == 0 ? "other" : "busy";
                    String model = i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini";
                    String provider = i % 7 == 0 ? "azure" : "openai";
                    Instant ts = i % 50 == 0 ? t0.minusSeconds(3 * 86_400 + i) : t0.plusSeconds(n - i);
                    done.add(writer.submit(store.insertUsage(new UsageRecord(0, "rec-" + i, null, ts, component,
                            provider, model, 1, 1, 0, 0, 0, Money.ofMicros(1 + i % 13), "reported", null, null))));
                }
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
            }
            List<Row> rows = new ArrayList<>();
            try (Connection c = db.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT seq, record_id, ts_ms, component, provider, model, cost_micros"
                         + " FROM usage_records ORDER BY seq DESC")) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getLong(7)));
                }
            }
            assertThat(rows).hasSize(n);
            String[][] dims = {{null, null, null}, {"busy", null, null}, {"busy", null, "gpt-4o"}, {null, "openai", null},
                {null, null, "gpt-4o-mini"}, {"rare", null, null}, {"rare", "azure", null}, {"other", "openai", "gpt-4o"},
                {"nobody", null, null}};
            Instant[][] ranges = {{null, null}, {t0.plusSeconds(700), null}, {null, t0.plusSeconds(1_234)},
                {t0.plusSeconds(333), t0.plusSeconds(2_000)}, {t0.minusSeconds(4 * 86_400), t0}};
            for (String[] d : dims) {
                for (Instant[] r : ranges) {
                    LedgerStore.UsageFilter f = new LedgerStore.UsageFilter(d[0], d[1], d[2], r[0], r[1]);
                    List<String> expected = rows.stream().filter(x -> matches(f, x)).map(Row::id).toList();
                    List<String> paged = new ArrayList<>();
                    Long before = null;
                    while (true) {
                        List<UsageRecord> page = store.queryUsage(f, before, 333);
                        page.forEach(x -> paged.add(x.recordId()));
                        if (page.size() < 333) {
                            break;
                        }
                        before = page.getLast().seq();
                    }
                    assertThat(paged).as(f.toString()).isEqualTo(expected);

                    if (r[0] != null && r[1] != null) {
                        Map<String, Long> want = new TreeMap<>();
                        rows.stream().filter(x -> matches(f, x)).forEach(x -> want.merge(x.component() + "/" + x.provider()
                                + "/" + x.model() + "@" + LedgerStore.bucketOf(x.ts()), x.cost(), Long::sum));
                        Map<String, Long> got = new TreeMap<>();
                        store.sumRaw(f, true).forEach(s -> got.merge(s.component() + "/" + s.provider() + "/" + s.model()
                                + "@" + s.bucketSecond(), s.costMicros(), Long::sum));
                        assertThat(got).as("raw sums " + f).isEqualTo(want);
                    }
                }
            }
        }
    }

    private static boolean matches(LedgerStore.UsageFilter f, Row x) {
        return (f.component() == null || f.component().equals(x.component()))
                && (f.provider() == null || f.provider().equals(x.provider()))
                && (f.model() == null || f.model().equals(x.model()))
                && (f.start() == null || !x.ts().isBefore(f.start()))
                && (f.end() == null || x.ts().isBefore(f.end()));
    }
}
