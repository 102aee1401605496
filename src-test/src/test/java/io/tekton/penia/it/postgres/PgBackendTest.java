package io.tekton.penia.it.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tekton.penia.it.support.PeniaClient.assertError;
import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static io.tekton.penia.it.support.PeniaClient.usage;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server on PostgreSQL (issue 23, PENIA_DB=postgresql://…, a fresh database per test):
 * what it does on SQLite it does here, and the rows are in PostgreSQL (read back by SQL). A
 * restart on the same database brings back summaries, holds, breakers, alerts, keys and prices.
 */
class PgBackendTest {
    static final String ADMIN_KEY = "it-pg-admin-" + java.util.UUID.randomUUID();

    /** A server on a new database of the shared cluster, with an admin key and a settable clock. */
    static TestServer server(PgCluster pg, String db, MutableClock clock) {
        return TestServer.start(Map.of("PENIA_DB", pg.url(db), "PENIA_ADMIN_KEY", ADMIN_KEY), clock);
    }

    static long sqlLong(PgCluster pg, String db, String sql, Object... args) throws SQLException {
        try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static Map<String, Object> reserve(String component, String cost, int ttlSeconds) {
        return Map.of("component", component, "provider", "openai", "model", "gpt-4o", "estimated_cost",
                new BigDecimal(cost), "reserve", true, "reservation_ttl_seconds", ttlSeconds);
    }

    @Test
    void ledgerListingHoldsAndRequestIds_workOnPostgres_andTheRowsAreThere() throws SQLException {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-10T12:00:00Z"));
        try (TestServer t = server(pg, db, clock)) {
            PeniaClient penia = new PeniaClient(t, ADMIN_KEY);
            JsonNode health = penia.expect(200, "GET", "/health", null);
            assertThat(health.get("status").asText()).as(health.toString()).isEqualTo("healthy");
            assertThat(health.get("database_backend").asText()).isEqualTo("postgresql");

            String c = uniq("pg-ledger");
            String budget = penia.componentBudget(c, Map.of("monthly", "100"));
            BigDecimal sum = BigDecimal.ZERO;
            for (int i = 1; i <= 23; i++) {
                String cost = "0." + String.format("%06d", i * 1013);
                penia.record(usage(c, "openai", "gpt-4o", i, i, cost));
                sum = sum.add(new BigDecimal(cost));
            }
            // Listing with cursors: pages of 5, newest first, every row once.
            List<JsonNode> rows = penia.rows("component=" + c, 5);
            assertThat(rows).hasSize(23);
            assertThat(new HashSet<>(rows.stream().map(r -> r.get("record_id").asText()).toList())).hasSize(23);
            assertThat(rows.getFirst().get("input_tokens").asLong()).isEqualTo(23);
            assertThat(rows.getLast().get("input_tokens").asLong()).isEqualTo(1);
            JsonNode summary = penia.usageSummary(Map.of("component", c));
            assertUsd(summary.get("total_cost"), sum.toPlainString());
            assertThat(summary.get("count").asLong()).isEqualTo(23);
            assertUsd(penia.period(budget, "monthly").get("spent"), sum.toPlainString());

            // A hold settled by its record, one released, one expired.
            JsonNode h1 = penia.check(reserve(c, "2", 3600));
            assertThat(h1.get("allowed").asBoolean()).as(h1.toString()).isTrue();
            assertUsd(penia.period(budget, "monthly").get("reserved"), "2");
            Map<String, Object> settle = usage(c, "openai", "gpt-4o", 5, 5, "1.5");
            settle.put("reservation_id", h1.get("reservation_id").asText());
            assertThat(penia.record(settle).get("reservation_status").asText()).isEqualTo("settled");
            sum = sum.add(new BigDecimal("1.5"));
            JsonNode h2 = penia.check(reserve(c, "3", 3600));
            penia.expect(200, "POST", "/api/v1/reservations/" + h2.get("reservation_id").asText() + "/release", Map.of());
            JsonNode h3 = penia.check(reserve(c, "4", 60));
            assertUsd(penia.period(budget, "monthly").get("reserved"), "4");
            clock.advance(Duration.ofSeconds(61));
            assertUsd(penia.period(budget, "monthly").get("reserved"), "0");
            Map<String, Object> late = usage(c, "openai", "gpt-4o", 3, 3, "0.05");
            late.put("reservation_id", h3.get("reservation_id").asText());
            assertThat(penia.record(late).get("reservation_status").asText()).isEqualTo("expired");
            sum = sum.add(new BigDecimal("0.05"));

            // request_id: a replay books once, a different body under the same id is 409.
            String rid = uniq("req");
            Map<String, Object> once = usage(c, "openai", "gpt-4o", 7, 7, "0.25");
            once.put("request_id", rid);
            String recordId = penia.record(once).get("record_id").asText();
            TestServer.Resp replay = penia.post("/api/v1/usage/record", once);
            assertThat(replay.status()).as(replay.raw()).isIn(200, 201);
            assertThat(replay.get("record_id").asText()).isEqualTo(recordId);
            Map<String, Object> changed = new LinkedHashMap<>(once);
            changed.put("cost", new BigDecimal("0.26"));
            assertError(penia.post("/api/v1/usage/record", changed), 409, "conflict");
            sum = sum.add(new BigDecimal("0.25"));

            assertUsd(penia.period(budget, "monthly").get("spent"), sum.toPlainString());
            assertThat(penia.rows(c)).hasSize(26);
            // In PostgreSQL itself: the ledger rows, their sum, the rollups, the holds' states.
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM usage_records WHERE component = ?", c)).isEqualTo(26);
            assertThat(sqlLong(pg, db, "SELECT SUM(cost_micros) FROM usage_records WHERE component = ?", c))
                    .isEqualTo(sum.movePointRight(6).longValueExact());
            assertThat(sqlLong(pg, db, "SELECT SUM(cost_micros) FROM usage_rollup WHERE component = ?", c))
                    .isEqualTo(sum.movePointRight(6).longValueExact());
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM usage_records WHERE request_id = ?", rid)).isEqualTo(1);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM reservations WHERE status = 'settled' AND component = ?", c))
                    .isEqualTo(1);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM reservations WHERE status = 'released' AND component = ?", c))
                    .isEqualTo(1);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM reservations WHERE status = 'expired' AND component = ?", c))
                    .isEqualTo(1);
            // Seq numbers are dense and the writer counted on from the table's.
            assertThat(sqlLong(pg, db, "SELECT MAX(seq) - MIN(seq) + 1 FROM usage_records")).isEqualTo(26);
        }
    }

    @Test
    void budgetsAlertsBreakersKeysAndPrices_areStored_andARestartLoadsThemFromPostgres() throws SQLException {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-18T09:00:00Z"));
        try (TestServer t = server(pg, db, clock)) {
            PeniaClient penia = new PeniaClient(t, ADMIN_KEY);
            // Budget create, update, delete.
            String gone = penia.componentBudget(uniq("pg-gone"), Map.of("monthly", "5"));
            penia.expect(200, "PUT", "/api/v1/budgets/" + gone, Map.of("name", "renamed"));
            assertThat(penia.budget(gone).get("name").asText()).isEqualTo("renamed");
            assertThat(penia.delete("/api/v1/budgets/" + gone).status()).isIn(200, 204);
            assertThat(sqlLong(pg, db, "SELECT deleted FROM budgets WHERE budget_id = ?", gone)).isEqualTo(1);

            // A threshold crossed fires once; reaching the stop opens the breaker.
            String c = uniq("pg-alerts");
            String budget = penia.createBudget(Map.of("name", c, "scope", Map.of("component", c),
                    "limits", Map.of("daily", 10), "enforcement", "block", "warning_percent", 80, "stop_percent", 100));
            penia.record(c, "8.5");
            penia.record(c, "0.1");
            List<JsonNode> alerts = alerts(penia, budget);
            assertThat(alerts.stream().filter(a -> a.get("alert_type").asText().equals("warning_threshold")).count())
                    .as(alerts.toString()).isEqualTo(1);
            penia.record(c, "1.4");
            JsonNode blocked = penia.check(c, "0");
            assertThat(blocked.get("decision").asText()).as(blocked.toString()).isEqualTo("block");
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM breakers WHERE budget_id = ? AND state = 'open'", budget))
                    .isEqualTo(1);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM alerts WHERE budget_id = ?", budget))
                    .isEqualTo(alerts(penia, budget).size());
            // A second budget keeps a live hold over the restart.
            String held = uniq("pg-held");
            String heldBudget = penia.componentBudget(held, Map.of("monthly", "50"));
            JsonNode hold = penia.check(reserve(held, "7", 3600));
            assertThat(hold.get("allowed").asBoolean()).isTrue();

            // API keys and their audit rows.
            JsonNode key = penia.createKey("pg key", "component", c);
            String keyId = key.get("key_id").asText();
            String secret = key.get("secret").asText();
            JsonNode revoked = penia.createKey("pg revoked", "viewer", null);
            penia.expect(200, "POST", "/api/v1/keys/" + revoked.get("key_id").asText() + "/revoke", null);
            assertThat(penia.audit("api_key", revoked.get("key_id").asText()).stream()
                    .map(a -> a.get("action").asText()).toList())
                    .containsExactlyInAnyOrder("api_key.create", "api_key.revoke");
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM audit_log WHERE target_type = 'api_key'")).isEqualTo(3);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM api_keys WHERE revoked_ms IS NOT NULL")).isEqualTo(1);

            // A price override is a stored version; the next record is priced by it.
            String model = "pg-model-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            TestServer.Resp price = penia.put("/api/v1/prices/acme/" + model,
                    Map.of("input_per_million", 2, "output_per_million", 10));
            assertThat(price.status()).as(price.raw()).isEqualTo(200);
            String version = price.get("price_version").asText();
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM price_versions WHERE model = ?", model)).isEqualTo(1);
            String pc = uniq("pg-priced");
            JsonNode priced = penia.record(usage(pc, "acme", model, 1000, 100, null));
            assertThat(priced.get("cost").decimalValue()).isEqualByComparingTo("0.003");
            assertThat(priced.get("price_version").asText()).isEqualTo(version);

            JsonNode summaryBefore = penia.summary(budget).get("periods");
            JsonNode heldBefore = penia.summary(heldBudget).get("periods");
            List<JsonNode> alertsBefore = alerts(penia, budget);
            JsonNode usageBefore = penia.usageSummary(Map.of());

            t.restart();

            PeniaClient after = new PeniaClient(t, ADMIN_KEY);
            assertThat(after.summary(budget).get("periods")).isEqualTo(summaryBefore);
            assertThat(after.summary(heldBudget).get("periods")).isEqualTo(heldBefore);
            assertUsd(after.period(heldBudget, "monthly").get("reserved"), "7");
            assertThat(alerts(after, budget)).isEqualTo(alertsBefore);
            assertThat(after.usageSummary(Map.of())).isEqualTo(usageBefore);
            assertThat(after.check(c, "0").get("decision").asText()).isEqualTo("block");
            assertThat(after.get("/api/v1/budgets/" + gone).status()).isEqualTo(404);
            // The keys: the live one works, the revoked one does not.
            assertThat(after.withKey(secret).get("/api/v1/budgets/" + budget).status()).isEqualTo(200);
            assertThat(after.withKey(revoked.get("secret").asText()).get("/api/v1/budgets").status()).isEqualTo(401);
            assertThat(after.audit("api_key", keyId)).hasSize(1);
            // The price version priced before the restart prices again.
            JsonNode again = after.record(usage(pc, "acme", model, 1000, 100, null));
            assertThat(again.get("price_version").asText()).isEqualTo(version);
            // The hold settles after the restart.
            Map<String, Object> settle = usage(held, "openai", "gpt-4o", 1, 1, "6");
            settle.put("reservation_id", hold.get("reservation_id").asText());
            assertThat(after.record(settle).get("reservation_status").asText()).isEqualTo("settled");
            assertUsd(after.period(heldBudget, "monthly").get("reserved"), "0");
        }
    }

    @Test
    void backupsAndRetention_areRefusedOnPostgres_naming_pg_dump() {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        try (TestServer t = server(pg, db, new MutableClock(Instant.parse("2026-11-18T09:00:00Z")))) {
            PeniaClient penia = new PeniaClient(t, ADMIN_KEY);
            JsonNode e = assertError(penia.post("/api/v1/admin/backup", Map.of()), 400, "invalid_argument");
            assertThat(e.get("message").asText()).contains("pg_dump").doesNotContain("password");
            assertError(penia.post("/api/v1/admin/retention", Map.of()), 400, "invalid_argument");
            assertThat(penia.expect(200, "GET", "/health", null).get("status").asText()).isEqualTo("healthy");
        }
    }

    static List<JsonNode> alerts(PeniaClient penia, String budgetId) {
        List<JsonNode> out = new ArrayList<>();
        penia.expect(200, "GET", "/api/v1/alerts?limit=1000&budget_id=" + budgetId, null).get("items").forEach(out::add);
        return out;
    }
}
