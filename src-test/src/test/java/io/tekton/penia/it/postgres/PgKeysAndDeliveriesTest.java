package io.tekton.penia.it.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.tekton.penia.it.postgres.PgBackendTest.ADMIN_KEY;
import static io.tekton.penia.it.postgres.PgBackendTest.sqlLong;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The key and delivery statements SQLite and PostgreSQL share (issue 19 worded them once for
 * both): on PostgreSQL a key's stored last use never goes back in time, and the due deliveries
 * are found, so a webhook alert is delivered once.
 */
class PgKeysAndDeliveriesTest {

    @Test
    void keyLastUse_isStored_andAnEarlierUseDoesNotMoveItBack() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        Instant now = Instant.parse("2026-11-10T12:00:00Z");
        MutableClock clock = new MutableClock(now);
        try (TestServer t = PgBackendTest.server(pg, db, clock)) {
            PeniaClient admin = new PeniaClient(t, ADMIN_KEY);
            String lastUsed = "SELECT COALESCE(last_used_ms, 0) FROM api_keys WHERE key_id = ?";
            JsonNode first = admin.createKey("pg touch " + uniq("k"), "viewer", null);
            assertThat(admin.withKey(first.get("secret").asText()).get("/api/v1/budgets").status()).isEqualTo(200);
            String firstId = first.get("key_id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> sqlLong(pg, db, lastUsed, firstId) == now.toEpochMilli());

            // Another node of a cluster used the second key an hour later than this node's clock says:
            // this node's first use of it is written, and must leave the later use in place.
            JsonNode second = admin.createKey("pg touch " + uniq("k"), "viewer", null);
            String secondId = second.get("key_id").asText();
            long later = now.plus(Duration.ofHours(1)).toEpochMilli();
            try (Connection c = pg.connect(db);
                 PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET last_used_ms = ? WHERE key_id = ?")) {
                ps.setLong(1, later);
                ps.setString(2, secondId);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            assertThat(admin.withKey(second.get("secret").asText()).get("/api/v1/budgets").status()).isEqualTo(200);
            // A write queued after the touch: when it is answered the touch is committed too.
            admin.componentBudget(uniq("pg-after-touch"), Map.of("monthly", "1"));
            assertThat(sqlLong(pg, db, lastUsed, secondId)).isEqualTo(later);
        }
    }

    @Test
    void webhookAlert_isDeliveredOnce() throws Exception {
        PgCluster pg = PgCluster.shared();
        String db = pg.createDatabase();
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/", ex -> {
            received.add(ex.getRequestHeaders().getFirst("X-Penia-Alert-Id"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try (TestServer t = TestServer.start(Map.of("PENIA_DB", pg.url(db), "PENIA_ADMIN_KEY", ADMIN_KEY))) {
            PeniaClient penia = new PeniaClient(t, ADMIN_KEY);
            String c = uniq("pg-hook");
            String budget = penia.componentBudget(c, Map.of("monthly", "1"));
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            penia.expect(200, "PUT", "/api/v1/budgets/" + budget + "/alerts", Map.of("thresholds", List.of(50),
                    "channels", List.of(Map.of("type", "webhook", "url", url))));
            penia.record(c, "0.60");
            JsonNode alerts = penia.expect(200, "GET", "/api/v1/alerts?budget_id=" + budget, null).get("items");
            assertThat(alerts).hasSize(1);
            String alertId = alerts.get(0).get("alert_id").asText();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode d = penia.expect(200, "GET", "/api/v1/alerts/" + alertId + "/deliveries", null)
                        .get("deliveries").get(0);
                assertThat(d.get("status").asText()).isEqualTo("delivered");
                assertThat(d.get("attempts").asInt()).isEqualTo(1);
            });
            assertThat(received).containsExactly(alertId);
            assertThat(sqlLong(pg, db, "SELECT COUNT(*) FROM alert_deliveries WHERE alert_id = ? AND status = 'delivered'",
                    alertId)).isEqualTo(1);
        } finally {
            receiver.stop(0);
        }
    }
}
