package io.tekton.penia.it.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.TestServer;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alert channels end to end: a real HTTP receiver stands in for webhooks and Slack, GreenMail
 * for SMTP. Each alert reaches each channel exactly once, failures are retried and survive a
 * restart, an unreachable channel never slows recording, and secrets are never echoed.
 */
class AlertChannelTest {
    static final Duration DELIVERY = Duration.ofSeconds(30);
    static GreenMail mail;
    static Receiver receiver;
    static TestServer t;

    @BeforeAll
    static void up() throws IOException {
        mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        mail.start();
        receiver = new Receiver();
        t = TestServer.start(env(200));
    }

    @AfterAll
    static void down() {
        if (t != null) {
            t.close();
        }
        receiver.close();
        mail.stop();
    }

    static Map<String, String> env(int retryBackoffMs) {
        return Map.of("PENIA_SMTP_HOST", "127.0.0.1", "PENIA_SMTP_PORT", String.valueOf(mail.getSmtp().getPort()),
                "PENIA_ALERT_RETRY_BACKOFF_MS", String.valueOf(retryBackoffMs));
    }

    // ---- helpers --------------------------------------------------------------------------

    static String budget(TestServer s, String component, String name) {
        TestServer.Resp r = s.post("/api/v1/budgets", Map.of("name", name, "scope", Map.of("component", component),
                "limits", Map.of("monthly", 1), "enforcement", "warn", "warning_percent", 80, "stop_percent", 95));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.get("budget_id").asText();
    }

    static TestServer.Resp setAlerts(TestServer s, String budgetId, Map<String, Object> body) {
        TestServer.Resp r = s.put("/api/v1/budgets/" + budgetId + "/alerts", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r;
    }

    static void record(TestServer s, String component, String cost) {
        TestServer.Resp r = s.post("/api/v1/usage/record", Map.of("component", component, "provider", "openai",
                "model", "gpt-4o", "input_tokens", 1, "output_tokens", 1, "cost", new BigDecimal(cost)));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    static List<String> alertIds(TestServer s, String budgetId) {
        List<String> out = new ArrayList<>();
        s.get("/api/v1/alerts?limit=1000&budget_id=" + budgetId).body().get("items")
                .forEach(a -> out.add(a.get("alert_id").asText()));
        return out;
    }

    static List<JsonNode> deliveries(TestServer s, String alertId) {
        TestServer.Resp r = s.get("/api/v1/alerts/" + alertId + "/deliveries");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.body().get("deliveries").forEach(out::add);
        return out;
    }

    static List<MimeMessage> mailsTo(String address) throws Exception {
        List<MimeMessage> out = new ArrayList<>();
        for (MimeMessage m : mail.getReceivedMessages()) {
            for (Address a : m.getAllRecipients()) {
                if (a.toString().equals(address)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    static String hmac(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    static Map<String, Long> countByAlert(List<Receiver.Hit> hits) {
        return hits.stream().collect(Collectors.groupingBy(Receiver.Hit::alertId, Collectors.counting()));
    }

    // ---- tests ----------------------------------------------------------------------------

    @Test
    void crossingThresholds_sendsEachAlertExactlyOncePerChannel_signedWithSlackTextAndBothMailParts() throws Exception {
        String c = "chan-" + UUID.randomUUID();
        String name = "Team " + c;
        String id = budget(t, c, name);
        String secret = "whsec-" + UUID.randomUUID();
        String hook = "/hook/" + UUID.randomUUID();
        String slack = "/slack/" + UUID.randomUUID();
        String to = "ops-" + UUID.randomUUID() + "@example.com";
        setAlerts(t, id, Map.of("channels", List.of(
                Map.of("type", "webhook", "url", receiver.url(hook), "secret", secret),
                Map.of("type", "slack", "url", receiver.url(slack)),
                Map.of("type", "email", "to", List.of(to)))));

        record(t, c, "0.85");
        List<String> first = alertIds(t, id);
        assertThat(first).as("70% and 80% crossed").hasSize(2);
        await().atMost(DELIVERY).untilAsserted(() -> {
            assertThat(countByAlert(receiver.hits(hook))).containsOnlyKeys(first).allSatisfy((k, v) -> assertThat(v).isEqualTo(1L));
            assertThat(countByAlert(receiver.hits(slack))).containsOnlyKeys(first).allSatisfy((k, v) -> assertThat(v).isEqualTo(1L));
            assertThat(mailsTo(to)).hasSize(first.size());
        });

        for (Receiver.Hit h : receiver.hits(hook)) {
            assertThat(h.header("Content-Type")).startsWith("application/json");
            assertThat(h.header("X-Penia-Signature")).isEqualTo(hmac(secret, h.body()));
            JsonNode body = Json.mapper().readTree(h.body());
            assertThat(body.get("alert_id").asText()).isEqualTo(h.alertId());
            assertThat(body.get("budget_id").asText()).isEqualTo(id);
            assertThat(body.get("budget_name").asText()).isEqualTo(name);
            assertThat(body.get("message").asText()).contains(name);
            assertThat(new String(h.body(), StandardCharsets.UTF_8)).doesNotContain(secret);
        }
        for (Receiver.Hit h : receiver.hits(slack)) {
            assertThat(h.header("X-Penia-Signature")).isNull();
            String text = Json.mapper().readTree(h.body()).get("text").asText();
            assertThat(text).contains(name).contains("monthly").contains("$0.85 of $1.00");
        }
        List<MimeMessage> mails = mailsTo(to);
        assertThat(mails).extracting(MimeMessage::getSubject)
                .contains("[Penia] warning: Monthly budget '" + name + "' 80% consumed ($0.85 of $1.00)");
        for (MimeMessage m : mails) {
            assertThat(m.getContentType()).startsWith("multipart/alternative");
            MimeMultipart parts = (MimeMultipart) m.getContent();
            assertThat(parts.getCount()).isEqualTo(2);
            assertThat(parts.getBodyPart(0).isMimeType("text/plain")).isTrue();
            assertThat(parts.getBodyPart(1).isMimeType("text/html")).isTrue();
            assertThat((String) parts.getBodyPart(0).getContent()).contains(name).contains("$0.85 of $1.00");
            assertThat((String) parts.getBodyPart(1).getContent()).contains("<html").contains("$0.85 of $1.00");
        }

        // Crossing 90, 95 (stop) and 100, then exceeding: one message per new alert, none twice.
        record(t, c, "0.20");
        List<String> all = alertIds(t, id);
        assertThat(all).hasSizeGreaterThan(first.size() + 2);
        await().atMost(DELIVERY).untilAsserted(() -> {
            assertThat(countByAlert(receiver.hits(hook))).containsOnlyKeys(all);
            assertThat(countByAlert(receiver.hits(slack))).containsOnlyKeys(all);
            assertThat(mailsTo(to)).hasSize(all.size());
        });
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                receiver.hits(hook).size() == all.size() && receiver.hits(slack).size() == all.size()
                        && mailsTo(to).size() == all.size());
        for (String alertId : all) {
            List<JsonNode> ds = deliveries(t, alertId);
            assertThat(ds).extracting(d -> d.get("channel").asText()).containsExactly("webhook", "slack", "email");
            assertThat(ds).allSatisfy(d -> {
                assertThat(d.get("status").asText()).isEqualTo("delivered");
                assertThat(d.get("attempts").asInt()).isEqualTo(1);
            });
        }
    }

    @Test
    void receiverFailingTwice_isDeliveredOnceAfterRetries_withThreeAttempts() {
        String c = "retry-" + UUID.randomUUID();
        String id = budget(t, c, "Retry " + c);
        String hook = "/flaky/" + UUID.randomUUID();
        receiver.failFirst(hook, 2);
        setAlerts(t, id, Map.of("thresholds", List.of(50), "channels",
                List.of(Map.of("type", "webhook", "url", receiver.url(hook)))));

        record(t, c, "0.60");
        List<String> alerts = alertIds(t, id);
        assertThat(alerts).hasSize(1);
        String alertId = alerts.getFirst();
        await().atMost(DELIVERY).untilAsserted(() -> {
            JsonNode d = deliveries(t, alertId).getFirst();
            assertThat(d.get("status").asText()).isEqualTo("delivered");
            assertThat(d.get("attempts").asInt()).isEqualTo(3);
            assertThat(d.get("last_error").isNull()).isTrue();
        });
        assertThat(receiver.hits(hook)).extracting(Receiver.Hit::status).containsExactly(500, 500, 200);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> receiver.hits(hook).size() == 3);
    }

    @Test
    void restartWithUndeliveredAlerts_deliversAfterRestartExactlyOnce() throws Exception {
        // Its own server, as it restarts; a longer backoff keeps the rows pending across it (five
        // attempts at 0, 1, 3, 7 and 15 s: a slow restart must not use them all up).
        try (TestServer s = TestServer.start(env(1000))) {
            String c = "restart-" + UUID.randomUUID();
            String id = budget(s, c, "Restart " + c);
            String hook = "/down/" + UUID.randomUUID();
            String to = "restart-" + UUID.randomUUID() + "@example.com";
            receiver.down(hook, true);
            setAlerts(s, id, Map.of("thresholds", List.of(50), "channels", List.of(
                    Map.of("type", "webhook", "url", receiver.url(hook)), Map.of("type", "email", "to", List.of(to)))));

            record(s, c, "0.60");
            String alertId = alertIds(s, id).getFirst();
            await().atMost(DELIVERY).untilAsserted(() -> {
                JsonNode d = deliveries(s, alertId).getFirst();
                assertThat(d.get("attempts").asInt()).isGreaterThanOrEqualTo(1);
                assertThat(d.get("status").asText()).isEqualTo("pending");
                assertThat(d.get("last_error").asText()).isEqualTo("HTTP 503");
            });
            assertThat(receiver.delivered(hook)).isEmpty();

            s.restart();
            receiver.down(hook, false);

            await().atMost(DELIVERY).untilAsserted(() ->
                    assertThat(deliveries(s, alertId)).allSatisfy(d -> assertThat(d.get("status").asText()).isEqualTo("delivered")));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                    receiver.delivered(hook).size() == 1 && mailsTo(to).size() == 1);
            assertThat(receiver.delivered(hook).getFirst().alertId()).isEqualTo(alertId);
            assertThat(s.get("/health").body().get("alert_delivery").get("delivered").asLong()).isGreaterThanOrEqualTo(2);
        }
    }

    @Tag("slow")
    @Test
    void unreachableChannel_doesNotSlowRecording_andItsFailureIsVisible() throws Exception {
        // A port that accepts connections (the kernel's backlog) and never answers.
        try (ServerSocket blackhole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestServer s = TestServer.start(env(200))) {
            String quiet = "quiet-" + UUID.randomUUID();
            String stuck = "stuck-" + UUID.randomUUID();
            String quietId = budget(s, quiet, "Quiet " + quiet);
            String stuckId = budget(s, stuck, "Stuck " + stuck);
            List<Integer> every5 = new ArrayList<>();
            for (int p = 5; p <= 100; p += 5) {
                every5.add(p);
            }
            String url = "http://127.0.0.1:" + blackhole.getLocalPort() + "/never";
            setAlerts(s, quietId, Map.of("thresholds", every5));
            setAlerts(s, stuckId, Map.of("thresholds", every5, "channels", List.of(
                    Map.of("type", "webhook", "url", url), Map.of("type", "slack", "url", url + "/slack"))));
            for (int i = 0; i < 20; i++) {
                record(s, "warmup-" + UUID.randomUUID(), "0.01");
            }

            int n = 120;
            long quietNanos = timeRecords(s, quiet, n);
            long stuckNanos = timeRecords(s, stuck, n);
            assertThat(alertIds(s, stuckId)).as("every threshold crossed").hasSizeGreaterThanOrEqualTo(20);
            assertThat(Duration.ofNanos(stuckNanos))
                    .as("recording with a dead channel (quiet took %d ms)", quietNanos / 1_000_000)
                    .isLessThan(Duration.ofNanos(quietNanos * 3).plusSeconds(2));

            String first = alertIds(s, stuckId).getLast();
            await().atMost(DELIVERY).untilAsserted(() -> assertThat(deliveries(s, first))
                    .allSatisfy(d -> assertThat(d.get("last_error").asText()).isEqualTo("no response within 5000ms")));
            JsonNode health = s.get("/health").body().get("alert_delivery");
            assertThat(health.get("pending").asLong()).isGreaterThan(0);
        }
    }

    static long timeRecords(TestServer s, String component, int n) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            record(s, component, "0.01");
        }
        return System.nanoTime() - start;
    }

    @Test
    void secrets_neverAppearInResponses_norInTheDeliveryTable() throws Exception {
        String c = "secret-" + UUID.randomUUID();
        String id = budget(t, c, "Secret " + c);
        String secret = "whsec-" + UUID.randomUUID();
        String hook = "/secret/" + UUID.randomUUID();
        TestServer.Resp put = setAlerts(t, id, Map.of("thresholds", List.of(50), "channels",
                List.of(Map.of("type", "webhook", "url", receiver.url(hook), "secret", secret))));
        assertThat(put.raw()).doesNotContain(secret);
        assertThat(put.get("channels").get(0).get("has_secret").asBoolean()).isTrue();

        record(t, c, "0.60");
        String alertId = alertIds(t, id).getFirst();
        await().atMost(DELIVERY).until(() -> receiver.delivered(hook).size() == 1);
        assertThat(receiver.delivered(hook).getFirst().header("X-Penia-Signature"))
                .isEqualTo(hmac(secret, receiver.delivered(hook).getFirst().body()));

        for (String path : List.of("/api/v1/budgets/" + id, "/api/v1/budgets/" + id + "/alerts", "/api/v1/budgets",
                "/api/v1/alerts/" + alertId + "/deliveries", "/api/v1/alerts?budget_id=" + id, "/health")) {
            TestServer.Resp r = t.get(path);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.raw()).as(path).doesNotContain(secret);
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + t.dbFile());
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM alert_deliveries WHERE alert_id = '" + alertId + "'")) {
            int rows = 0;
            while (rs.next()) {
                rows++;
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rs.getObject(i))).doesNotContain(secret);
                }
            }
            assertThat(rows).isEqualTo(1);
        }
    }

    @Test
    void unknownAlert_deliveriesAre404() {
        TestServer.Resp r = t.get("/api/v1/alerts/alt_nope/deliveries");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.get("error").get("code").asText()).isNotEmpty();
    }

    // ---- the receiver ---------------------------------------------------------------------

    /** A real HTTP server standing in for webhook and Slack endpoints; records every request. */
    static final class Receiver implements AutoCloseable {
        record Hit(String path, Map<String, String> headers, byte[] body, int status) {
            String header(String name) {
                return headers.get(name.toLowerCase(java.util.Locale.ROOT));
            }

            String alertId() {
                return header("X-Penia-Alert-Id");
            }
        }

        private final HttpServer server;
        private final ExecutorService pool = Executors.newFixedThreadPool(8);
        private final List<Hit> hits = new CopyOnWriteArrayList<>();
        private final Map<String, Integer> failFirst = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        private final Set<String> down = ConcurrentHashMap.newKeySet();

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.createContext("/", this::handle);
            server.setExecutor(pool);
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        /** The first {@code n} requests for each alert on this path answer 500. */
        void failFirst(String path, int n) {
            failFirst.put(path, n);
        }

        /** While down, every request on this path answers 503. */
        void down(String path, boolean isDown) {
            if (isDown) {
                down.add(path);
            } else {
                down.remove(path);
            }
        }

        List<Hit> hits(String path) {
            return hits.stream().filter(h -> h.path().equals(path)).toList();
        }

        /** Requests on this path that were answered 2xx. */
        List<Hit> delivered(String path) {
            return hits(path).stream().filter(h -> h.status() / 100 == 2).toList();
        }

        private void handle(HttpExchange ex) throws IOException {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String path = ex.getRequestURI().getPath();
            Map<String, String> headers = new HashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
            String alertId = headers.getOrDefault("x-penia-alert-id", "");
            int status = 200;
            if (down.contains(path)) {
                status = 503;
            } else if (seen.computeIfAbsent(path + "|" + alertId, k -> new AtomicInteger()).incrementAndGet()
                    <= failFirst.getOrDefault(path, 0)) {
                status = 500;
            }
            hits.add(new Hit(path, headers, body, status));
            byte[] out = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
