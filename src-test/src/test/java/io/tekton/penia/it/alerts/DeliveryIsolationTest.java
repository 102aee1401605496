package io.tekton.penia.it.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Alert deliveries are queued per destination: a webhook that holds every request open, with
 * a hundred deliveries pending, neither delays another destination nor loses track of its own
 * rows, whose retries keep their delivery ids.
 */
@Tag("slow")
class DeliveryIsolationTest {

    @Test
    void hungWebhookWithHundredPending_healthyDestinationStillGetsItsAlertWithinTwoSeconds_retriesKeepIds() {
        try (Endpoint hung = new Endpoint(true); Endpoint healthy = new Endpoint(false);
             TestServer s = TestServer.start(Map.of("PENIA_ALERT_RETRY_BACKOFF_MS", "200",
                     "PENIA_ALERT_DELIVERY_TIMEOUT_MS", "1000"))) {
            String stuck = "stuck-" + UUID.randomUUID();
            String fine = "fine-" + UUID.randomUUID();
            String stuckId = AlertChannelTest.budget(s, stuck, "Stuck " + stuck);
            String fineId = AlertChannelTest.budget(s, fine, "Fine " + fine);
            List<Integer> every5 = new ArrayList<>();
            for (int p = 5; p <= 100; p += 5) {
                every5.add(p);
            }
            // Five webhooks on the one hung host, twenty thresholds: a hundred deliveries to it.
            List<Map<String, Object>> hooks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                hooks.add(Map.of("type", "webhook", "url", hung.url("/hang/" + i)));
            }
            AlertChannelTest.setAlerts(s, stuckId, Map.of("thresholds", every5, "channels", hooks));
            String okPath = "/ok/" + UUID.randomUUID();
            AlertChannelTest.setAlerts(s, fineId, Map.of("thresholds", List.of(50), "channels",
                    List.of(Map.of("type", "webhook", "url", healthy.url(okPath)))));

            AlertChannelTest.record(s, stuck, "1.00");
            List<String> stuckAlerts = AlertChannelTest.alertIds(s, stuckId);
            assertThat(stuckAlerts).as("every threshold crossed").hasSizeGreaterThanOrEqualTo(20);
            Map<String, String> idsAtStart = deliveryIds(s, stuckAlerts);
            assertThat(idsAtStart).as("deliveries to the hung host").hasSizeGreaterThanOrEqualTo(100);
            await().atMost(Duration.ofSeconds(10)).until(() -> !hung.hits.isEmpty());

            AlertChannelTest.record(s, fine, "0.60");
            String fineAlert = AlertChannelTest.alertIds(s, fineId).getFirst();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(healthy.alertIds(okPath)).containsExactly(fineAlert));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(AlertChannelTest.deliveries(s, fineAlert))
                    .allSatisfy(d -> assertThat(d.get("status").asText()).isEqualTo("delivered")));

            // Some attempts on the hung host have timed out and wait for their retry.
            await().atMost(Duration.ofSeconds(15)).until(() -> rows(s, stuckAlerts).stream().anyMatch(d ->
                    d.get("status").asText().equals("pending") && d.get("attempts").asInt() >= 1
                            && d.get("last_error").asText("").equals("no response within 1000ms")));
            hung.release();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(rows(s, stuckAlerts))
                    .allSatisfy(d -> assertThat(d.get("status").asText()).isEqualTo("delivered")));
            assertThat(deliveryIds(s, stuckAlerts)).as("the same rows with the same ids").isEqualTo(idsAtStart);
            List<JsonNode> retried = rows(s, stuckAlerts).stream().filter(d -> d.get("attempts").asInt() >= 2).toList();
            assertThat(retried).as("retried deliveries").isNotEmpty();
            List<String> sentIds = hung.hits.stream().map(Hit::deliveryId).toList();
            assertThat(idsAtStart.values()).containsAll(sentIds);
            for (JsonNode d : retried) {
                String id = d.get("delivery_id").asText();
                assertThat(sentIds.stream().filter(id::equals).count()).as("requests carrying %s", id)
                        .isGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    void closeWhileSendsHang_stopsWithinSeconds_andTheRestartedServerDeliversTheSameRowsOnce() {
        try (Endpoint hung = new Endpoint(true);
             TestServer s = TestServer.start(Map.of("PENIA_ALERT_RETRY_BACKOFF_MS", "200"))) {
            String stuck = "close-" + UUID.randomUUID();
            String id = AlertChannelTest.budget(s, stuck, "Close " + stuck);
            List<Integer> every10 = List.of(10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
            AlertChannelTest.setAlerts(s, id, Map.of("thresholds", every10, "channels",
                    List.of(Map.of("type", "webhook", "url", hung.url("/hold")))));
            AlertChannelTest.record(s, stuck, "1.00");
            List<String> alerts = AlertChannelTest.alertIds(s, id);
            Map<String, String> ids = deliveryIds(s, alerts);
            // The lane is busy: its senders hang, the rest of its rows wait in its queue.
            await().atMost(Duration.ofSeconds(10)).until(() -> hung.hits.size() >= 4);

            long start = System.nanoTime();
            s.restart();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close with hung sends, and start again")
                    .isLessThan(Duration.ofSeconds(15));
            hung.release();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(rows(s, alerts))
                    .allSatisfy(d -> assertThat(d.get("status").asText()).isEqualTo("delivered")));
            assertThat(deliveryIds(s, alerts)).isEqualTo(ids);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() ->
                    hung.hits.stream().map(Hit::deliveryId).distinct().count() == ids.size());
        }
    }

    @Test
    void deliveryLimits_areExplicitDefaults_overriddenByEnvironment_andOutOfRangeIsRefused() {
        Path shipped = Path.of(TestServer.repoRoot(), "config", "penia.yaml");
        PeniaConfig.Alerts d = ConfigLoader.load(shipped, Map.of()).alerts();
        assertThat(List.of(d.destinationConcurrency(), d.destinationQueueLimit())).containsExactly(4, 256);
        assertThat(d.deliveryTimeout()).isEqualTo(Duration.ofSeconds(5));
        PeniaConfig.Alerts o = ConfigLoader.load(shipped, Map.of("PENIA_ALERT_DESTINATION_CONCURRENCY", "2",
                "PENIA_ALERT_DESTINATION_QUEUE_LIMIT", "10", "PENIA_ALERT_DELIVERY_TIMEOUT_MS", "750")).alerts();
        assertThat(List.of(o.destinationConcurrency(), o.destinationQueueLimit())).containsExactly(2, 10);
        assertThat(o.deliveryTimeout()).isEqualTo(Duration.ofMillis(750));
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(shipped,
                Map.of("PENIA_ALERT_DESTINATION_CONCURRENCY", "0", "PENIA_ALERT_DESTINATION_QUEUE_LIMIT", "0")));
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "alerts.destination_concurrency (PENIA_ALERT_DESTINATION_CONCURRENCY): must be between 1 and 64, got 0",
                "alerts.destination_queue_limit (PENIA_ALERT_DESTINATION_QUEUE_LIMIT): must be between 1 and 100000, got 0");
    }

    /** Channel target and alert → delivery id, for every delivery of these alerts. */
    static Map<String, String> deliveryIds(TestServer s, List<String> alertIds) {
        Map<String, String> out = new HashMap<>();
        for (String a : alertIds) {
            for (JsonNode d : AlertChannelTest.deliveries(s, a)) {
                out.put(a + " " + d.get("target").asText(), d.get("delivery_id").asText());
            }
        }
        return out;
    }

    static List<JsonNode> rows(TestServer s, List<String> alertIds) {
        List<JsonNode> out = new ArrayList<>();
        for (String a : alertIds) {
            out.addAll(AlertChannelTest.deliveries(s, a));
        }
        return out;
    }

    record Hit(String path, String alertId, String deliveryId) {
    }

    /** A real HTTP endpoint; a hung one holds every request open until released. */
    static final class Endpoint implements AutoCloseable {
        final List<Hit> hits = new CopyOnWriteArrayList<>();
        private final CountDownLatch released;
        private final HttpServer server;
        private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

        Endpoint(boolean hung) {
            released = new CountDownLatch(hung ? 1 : 0);
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            server.createContext("/", this::handle);
            server.setExecutor(pool);
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        List<String> alertIds(String path) {
            return hits.stream().filter(h -> h.path().equals(path)).map(Hit::alertId).toList();
        }

        void release() {
            released.countDown();
        }

        private void handle(HttpExchange ex) throws IOException {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            hits.add(new Hit(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("X-Penia-Alert-Id"),
                    ex.getRequestHeaders().getFirst("X-Penia-Delivery-Id")));
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            ex.sendResponseHeaders(200, 2);
            try (OutputStream o = ex.getResponseBody()) {
                o.write("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }

        @Override
        public void close() {
            released.countDown();
            server.stop(0);
            pool.shutdownNow();
            try {
                pool.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
