package io.tekton.penia.it.cluster;

import static io.tekton.penia.it.support.PeniaClient.ADMIN_KEY;
import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.it.support.PeniaClient;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, guarantees 3 and 4 over three instances on one PostgreSQL: a threshold crossed by
 * records on all three fires once and is delivered once (a real webhook receiver), and a
 * WebSocket client on one instance receives the budget update and the alert of a record on another.
 */
class ClusterLiveTest {
    static Trio trio;
    static HttpServer receiver;
    static final List<String> delivered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void up() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        receiver.createContext("/", ex -> {
            String alertId = ex.getRequestHeaders().getFirst("X-Penia-Alert-Id");
            ex.getRequestBody().readAllBytes();
            delivered.add(ex.getRequestURI().getPath() + " " + alertId);
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        trio = Trio.start(Map.of("PENIA_ALERT_RETRY_BACKOFF_MS", "200"));
    }

    @AfterAll
    static void down() {
        if (trio != null) {
            trio.close();
        }
        receiver.stop(0);
    }

    @Test
    void thresholdsCrossedByRecordsOnAllThree_fireOnce_andAreDeliveredOnce() throws Exception {
        String c = uniq("trio-alerts");
        String id = trio.client(0).createBudget(Map.of("name", c, "scope", Map.of("component", c),
                "limits", PeniaClient.usdLimits(Map.of("monthly", "1")), "enforcement", "warn",
                "warning_percent", 80, "stop_percent", 200, "alert_thresholds", List.of(50, 80)));
        String hook = "/hook/" + c;
        trio.client(1).expect(200, "PUT", "/api/v1/budgets/" + id + "/alerts", Map.of("channels", List.of(
                Map.of("type", "webhook", "url", "http://127.0.0.1:" + receiver.getAddress().getPort() + hook))));

        ExecutorService pool = Executors.newFixedThreadPool(9);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            PeniaClient via = trio.client(i);
            fs.add(pool.submit(() -> via.record(c, "0.03")));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();

        List<String> ids = new ArrayList<>();
        for (PeniaClient p : trio.clients) {
            JsonNode items = p.expect(200, "GET", "/api/v1/alerts?limit=1000&budget_id=" + id, null).get("items");
            List<Integer> thresholds = new ArrayList<>();
            List<String> here = new ArrayList<>();
            items.forEach(a -> {
                thresholds.add(a.get("threshold_percent").asInt());
                here.add(a.get("alert_id").asText());
            });
            assertThat(thresholds).containsExactlyInAnyOrder(50, 80);
            if (ids.isEmpty()) {
                ids.addAll(here);
            }
            assertThat(here).containsExactlyInAnyOrderElementsOf(ids);
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(delivered.stream()
                .filter(d -> d.startsWith(hook + " ")).map(d -> d.substring(hook.length() + 1)).toList())
                .containsExactlyInAnyOrderElementsOf(ids));
        assertThat(trio.column("SELECT COUNT(*) FROM alerts WHERE budget_id = ?", id)).containsExactly("2");
    }

    @Test
    void webSocketOnC_receivesTheBudgetUpdateAndAlert_ofARecordOnA() {
        int lead = trio.leaderIndex();
        int a = (lead + 1) % 3;
        int cIndex = (lead + 2) % 3;
        String c = uniq("trio-ws");
        String id = trio.client(lead).componentBudget(c, Map.of("monthly", "1"));
        try (FollowerForwardingTest.Socket ws = FollowerForwardingTest.Socket.open(trio.servers.get(cIndex), ADMIN_KEY,
                false)) {
            ws.subscribe("budget_updates", "alerts");
            trio.client(a).record(c, "0.85");
            JsonNode update = ws.await(m -> m.path("type").asText().equals("budget_update")
                    && m.path("data").path("budget_id").asText().equals(id)
                    && m.path("data").path("monthly").path("spent").decimalValue().compareTo(new BigDecimal("0.85")) == 0);
            assertUsd(update.get("data").get("monthly").get("limit"), "1");
            JsonNode alert = ws.await(m -> m.path("type").asText().equals("alert")
                    && m.path("data").path("budget_id").asText().equals(id)
                    && m.path("data").path("threshold_percent").asInt() == 80).get("data");
            List<String> rest = new ArrayList<>();
            trio.client(cIndex).expect(200, "GET", "/api/v1/alerts?budget_id=" + id, null).get("items")
                    .forEach(x -> rest.add(x.get("alert_id").asText()));
            assertThat(rest).contains(alert.get("alert_id").asText());
        }
    }
}
