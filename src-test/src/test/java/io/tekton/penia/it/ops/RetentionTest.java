package io.tekton.penia.it.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention (issue 20, item 4): with {@code PENIA_RETENTION_MONTHS=2} on 2026-11-18, ledger rows
 * before 2026-09-01 move to monthly archive files and leave the live ledger, while every summary
 * (global and budget summaries, /usage/summary totals and groups over any quarter-hour range)
 * is the same before and after, and after a restart.
 */
class RetentionTest {
    static final Instant NOW = Instant.parse("2026-11-18T12:00:00Z");
    TestServer t;
    final MutableClock clock = new MutableClock(NOW);

    @BeforeEach
    void up() {
        t = TestServer.start(Map.of("PENIA_RETENTION_MONTHS", "2"), clock);
    }

    @AfterEach
    void down() {
        t.close();
    }

    void record(String component, String model, String cost, String at) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("component", component);
        b.put("provider", "openai");
        b.put("model", model);
        b.put("input_tokens", 100);
        b.put("output_tokens", 10);
        b.put("cost", new BigDecimal(cost));
        b.put("timestamp", at);
        TestServer.Resp r = t.post("/api/v1/usage/record", b);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    /** Every summary the test compares, as JSON text. */
    Map<String, String> summaries(List<String> budgetIds) {
        Map<String, String> m = new LinkedHashMap<>();
        List<Map<String, Object>> bodies = new java.util.ArrayList<>(List.of(
                Map.of(),
                Map.of("group_by", List.of("component", "model")),
                Map.of("group_by", List.of("day"), "start", "2026-06-01T00:00:00Z", "end", "2026-12-01T00:00:00Z"),
                Map.of("group_by", List.of("component"), "start", "2026-07-15T00:00:00Z", "end", "2026-09-15T00:00:00Z"),
                Map.of("group_by", List.of("hour"), "start", "2026-08-31T22:00:00Z", "end", "2026-09-01T02:00:00Z"),
                Map.of("component", "ret-a", "start", "2026-08-01T00:15:00Z", "end", "2026-08-20T13:45:00Z"),
                Map.of("group_by", List.of("provider", "model"), "start", "2026-01-01T00:00:00Z",
                        "end", "2026-12-01T00:00:00Z")));
        for (String id : budgetIds) {
            // Each budget's usage over the archived and kept months, by day and by model.
            bodies.add(Map.of("budget_id", id, "group_by", List.of("day", "model"), "start", "2026-07-01T00:00:00Z",
                    "end", "2026-12-01T00:00:00Z"));
        }
        for (Map<String, Object> body : bodies) {
            TestServer.Resp r = t.post("/api/v1/usage/summary", body);
            assertThat(r.status()).as(body + ": " + r.raw()).isEqualTo(200);
            m.put("summary " + body, r.raw());
        }
        for (String id : budgetIds) {
            TestServer.Resp r = t.get("/api/v1/budgets/" + id + "/summary");
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            m.put("budget " + id, r.raw());
        }
        TestServer.Resp st = t.get("/api/v1/budget-alerts/unified/status");
        assertThat(st.status()).as(st.raw()).isEqualTo(200);
        return m;
    }

    static String budget(TestServer t, Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/budgets", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    int listed(String start, String end) {
        TestServer.Resp r = t.get("/api/v1/usage/records?limit=1000&start=" + start + "&end=" + end);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.get("items").size();
    }

    @Tag("slow")
    @Test
    void retention_archivesOldRowsToMonthlyFiles_andKeepsEverySummaryExact() throws Exception {
        String global = budget(t, Map.of("name", "all", "limits", Map.of("monthly", new BigDecimal("100000"),
                "daily", new BigDecimal("1000"))));
        String scoped = budget(t, Map.of("name", "a only", "scope", Map.of("component", "ret-a"),
                "limits", Map.of("monthly", new BigDecimal("5000"))));
        // July and August (archived), September to November (kept); a few at month edges.
        String[][] rows = {
                {"ret-a", "gpt-4o", "1.000001", "2026-07-03T10:07:00Z"},
                {"ret-b", "gpt-4o-mini", "0.333333", "2026-07-31T23:59:59Z"},
                {"ret-a", "gpt-4o-mini", "2.5", "2026-08-01T00:00:00Z"},
                {"ret-a", "gpt-4o", "0.000007", "2026-08-20T13:50:00Z"},
                {"ret-b", "gpt-4o", "4.25", "2026-08-31T23:59:59.999Z"},
                {"ret-a", "gpt-4o", "0.75", "2026-09-01T00:00:00Z"},
                {"ret-b", "gpt-4o-mini", "1.125", "2026-10-10T10:10:10Z"},
                {"ret-a", "gpt-4o", "3", "2026-11-18T11:00:00Z"},
        };
        for (String[] r : rows) {
            record(r[0], r[1], r[2], r[3]);
        }
        Map<String, String> before = summaries(List.of(global, scoped));
        assertThat(before.values()).as("the summaries include the rows to be archived")
                .anyMatch(v -> v.contains("\"total_cost\":12.958341"));
        assertThat(listed("2026-07-01T00:00:00Z", "2026-09-01T00:00:00Z")).isEqualTo(5);

        TestServer.Resp run = t.post("/api/v1/admin/retention", Map.of());
        assertThat(run.status()).as(run.raw()).isEqualTo(200);
        assertThat(run.get("retention_months").asInt()).isEqualTo(2);
        assertThat(run.get("archived_before").asText()).isEqualTo("2026-09-01T00:00:00Z");
        assertThat(run.get("rows_archived").asLong()).isEqualTo(5);
        JsonNode months = run.get("months");
        assertThat(months.size()).as(run.raw()).isEqualTo(2);
        assertThat(months.get(0).get("month").asText()).isEqualTo("2026-07");
        assertThat(months.get(0).get("rows").asLong()).isEqualTo(2);
        assertThat(months.get(1).get("month").asText()).isEqualTo("2026-08");
        assertThat(months.get(1).get("rows").asLong()).isEqualTo(3);

        // The archived rows are in their monthly files, exactly.
        assertThat(archived(Path.of(months.get(0).get("file").asText())))
                .containsExactlyInAnyOrder("ret-a|1000001|2026-07-03T10:07:00Z", "ret-b|333333|2026-07-31T23:59:59Z");
        assertThat(archived(Path.of(months.get(1).get("file").asText()))).containsExactlyInAnyOrder(
                "ret-a|2500000|2026-08-01T00:00:00Z", "ret-a|7|2026-08-20T13:50:00Z",
                "ret-b|4250000|2026-08-31T23:59:59.999Z");
        assertThat(Path.of(months.get(0).get("file").asText()).getParent())
                .isEqualTo(t.dbFile().getParent().resolve("archive"));

        // Listings no longer show them; the kept months are listed as before.
        assertThat(listed("2026-07-01T00:00:00Z", "2026-09-01T00:00:00Z")).isZero();
        assertThat(listed("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z")).isEqualTo(3);

        // Every summary is what it was, and after a restart too (rollups are read again).
        assertThat(summaries(List.of(global, scoped))).isEqualTo(before);
        t.restart();
        assertThat(summaries(List.of(global, scoped))).isEqualTo(before);

        // A range edge off the quarter hour inside the archived months would need the raw rows: refused.
        TestServer.Resp edge = t.post("/api/v1/usage/summary", Map.of("start", "2026-08-20T13:47:00Z",
                "end", "2026-10-01T00:00:00Z"));
        assertThat(edge.status()).as(edge.raw()).isEqualTo(400);
        assertThat(edge.get("error").get("details").get("archived_before").asText()).isEqualTo("2026-09-01T00:00:00Z");
        TestServer.Resp live = t.post("/api/v1/usage/summary", Map.of("start", "2026-10-10T10:07:00Z",
                "end", "2026-10-10T10:11:00Z"));
        assertThat(live.status()).as(live.raw()).isEqualTo(200);
        assertThat(live.get("total_cost").decimalValue()).isEqualByComparingTo("1.125");

        // A second run finds nothing more; a row recorded late into an archived month goes by the next run.
        TestServer.Resp again = t.post("/api/v1/admin/retention", Map.of());
        assertThat(again.get("rows_archived").asLong()).as(again.raw()).isZero();
        record("ret-b", "gpt-4o", "0.5", "2026-08-02T08:00:00Z");
        TestServer.Resp late = t.post("/api/v1/admin/retention", Map.of());
        assertThat(late.get("rows_archived").asLong()).as(late.raw()).isEqualTo(1);
        assertThat(archived(Path.of(months.get(1).get("file").asText()))).hasSize(4);
        TestServer.Resp total = t.post("/api/v1/usage/summary", Map.of("start", "2026-01-01T00:00:00Z",
                "end", "2026-12-01T00:00:00Z"));
        assertThat(total.get("total_cost").decimalValue()).isEqualByComparingTo("13.458341");
        assertThat(total.get("count").asLong()).isEqualTo(9);

        // New databases give the freed pages back: nothing is left on the free list.
        assertThat(late.get("vacuum").get("auto_vacuum").asText()).isEqualTo("incremental");
        assertThat(late.get("vacuum").get("free_pages_left").asLong()).isZero();
    }

    /** "component|cost micros|timestamp" of every row in an archive file. */
    static Set<String> archived(Path file) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT component, cost_micros, ts_ms FROM usage_records")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "|" + rs.getLong(2) + "|" + Instant.ofEpochMilli(rs.getLong(3)));
            }
        }
        return out;
    }
}
