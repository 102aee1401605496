package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web page must not be able to drive Penia from a browser (issue 18, item 1): in the default
 * open mode, bodies only as {@code application/json} (415), the {@code Host} must name Penia
 * (against DNS rebinding, 403), and a request carrying an {@code Origin} is served only for the
 * origins of {@code PENIA_CORS_ORIGINS} and Penia's own (403), on REST, {@code /ws} and
 * {@code /mcp} alike. Allowed origins get Helidon's CORS answers (preflight and
 * {@code Access-Control-Allow-*}). Every refusal is checked to have changed nothing.
 */
@PeniaServerTest(env = "PENIA_ALLOWED_HOSTS=penia.test")
class SecurityOriginTest {
    static final String EVIL = "http://evil.example";
    static final String HEPHAESTUS = "http://localhost:8080";
    static TestServer t;

    private static String budgetJson(String id) {
        return "{\"budget_id\":\"" + id + "\",\"name\":\"page\",\"limits\":{\"monthly\":0.01}}";
    }

    private static boolean budgetExists(String id) {
        return t.get("/api/v1/budgets/" + id).status() == 200;
    }

    private static TestServer.Resp post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return t.send(b);
    }

    private static void assertEnvelope(TestServer.Resp r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.body().get("error").get("code").asText()).as(r.raw()).isEqualTo(code);
        assertThat(r.body().get("error").get("message").asText()).isNotBlank();
    }

    @Test
    void post_textPlainFormOrNoContentType_is415_andCreatesNothing() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                null}) {
            String id = "page-" + UUID.randomUUID();
            TestServer.Resp r = post("/api/v1/budgets", type, budgetJson(id));
            assertEnvelope(r, 415, "unsupported_media_type");
            assertThat(budgetExists(id)).as("budget created through " + type).isFalse();
        }
        String usage = "{\"component\":\"page-usage\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"input_tokens\":1,"
                + "\"output_tokens\":1,\"cost\":5}";
        assertEnvelope(post("/api/v1/usage/record", "text/plain", usage), 415, "unsupported_media_type");
        assertThat(t.get("/api/v1/usage/records?component=page-usage").get("items")).isEmpty();
        // The same body as JSON (a charset parameter is fine) is served.
        String ok = "page-" + UUID.randomUUID();
        assertThat(post("/api/v1/budgets", "application/json; charset=utf-8", budgetJson(ok)).status()).isEqualTo(201);
        assertThat(budgetExists(ok)).isTrue();
        // A request without a body needs no content type.
        TestServer.Resp bodyless = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budget-alerts/check"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(bodyless.status()).as(bodyless.raw()).isEqualTo(200);
    }

    @Test
    void mcp_textPlainBody_is415_andOpensNoSession() {
        int before = t.get("/health").get("mcp").get("sessions").asInt();
        TestServer.Resp r = post("/mcp", "text/plain", Sec.INITIALIZE, "Accept", "application/json, text/event-stream");
        assertThat(r.status()).as(r.raw()).isEqualTo(415);
        assertThat(r.raw()).contains("unsupported_media_type");
        assertThat(r.http().headers().firstValue("Mcp-Session-Id")).isEmpty();
        assertThat(t.get("/health").get("mcp").get("sessions").asInt()).isEqualTo(before);
    }

    @Test
    void foreignOrigin_isRefusedOnRest_andChangesNothing() {
        String id = "evil-" + UUID.randomUUID();
        TestServer.Resp r = post("/api/v1/budgets", "application/json", budgetJson(id), "Origin", EVIL);
        assertEnvelope(r, 403, "forbidden");
        assertThat(r.http().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(budgetExists(id)).isFalse();
        // Reads too (a page must not read the usage), and the opaque origin of sandboxed pages.
        assertEnvelope(t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/usage/records")).header("Origin", EVIL)),
                403, "forbidden");
        assertEnvelope(t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets")).header("Origin", "null")),
                403, "forbidden");
        // A foreign origin's preflight gets no CORS permission.
        TestServer.Resp pre = preflight("/api/v1/budgets", EVIL);
        assertThat(pre.status()).isEqualTo(403);
        assertThat(pre.http().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void foreignOrigin_isRefusedOnWebSocketAndMcp() {
        Map<String, String> ws = RawHttp.upgrade("127.0.0.1:" + t.port());
        ws.put("Origin", EVIL);
        RawHttp.Response upgrade = RawHttp.send(t.port(), "GET", "/ws", ws, null);
        assertThat(upgrade.status()).as(upgrade.body()).isEqualTo(403);

        int before = t.get("/health").get("mcp").get("sessions").asInt();
        TestServer.Resp mcp = post("/mcp", "application/json", Sec.INITIALIZE, "Accept", "application/json, text/event-stream",
                "Origin", EVIL);
        assertThat(mcp.status()).as(mcp.raw()).isEqualTo(403);
        assertThat(mcp.http().headers().firstValue("Mcp-Session-Id")).isEmpty();
        assertThat(t.get("/health").get("mcp").get("sessions").asInt()).isEqualTo(before);
    }

    @Test
    void foreignHost_dnsRebinding_isRefusedOnRestWebSocketAndMcp_andChangesNothing() {
        String id = "rebind-" + UUID.randomUUID();
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "evil.example:" + t.port());
        h.put("Content-Type", "application/json");
        h.put("Connection", "close");
        RawHttp.Response r = RawHttp.send(t.port(), "POST", "/api/v1/budgets", h, budgetJson(id));
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden");
        assertThat(budgetExists(id)).isFalse();
        h.put("Origin", "http://evil.example:" + t.port());
        assertThat(RawHttp.send(t.port(), "POST", "/api/v1/budgets", h, budgetJson(id)).status()).isEqualTo(403);
        assertThat(budgetExists(id)).isFalse();

        RawHttp.Response health = RawHttp.send(t.port(), "GET", "/health", Map.of("Host", "evil.example", "Connection", "close"), null);
        assertThat(health.status()).isEqualTo(403);
        RawHttp.Response ws = RawHttp.send(t.port(), "GET", "/ws", RawHttp.upgrade("evil.example:" + t.port()), null);
        assertThat(ws.status()).as(ws.body()).isEqualTo(403);
        Map<String, String> mcp = new LinkedHashMap<>(h);
        mcp.put("Accept", "application/json, text/event-stream");
        mcp.remove("Origin");
        RawHttp.Response init = RawHttp.send(t.port(), "POST", "/mcp", mcp, Sec.INITIALIZE);
        assertThat(init.status()).as(init.body()).isEqualTo(403);
        assertThat(init.headers()).doesNotContainKey("mcp-session-id");

        // Loopback names and the configured PENIA_ALLOWED_HOSTS are served.
        for (String host : List.of("localhost:" + t.port(), "127.0.0.1:" + t.port(), "[::1]:" + t.port(), "penia.test",
                "PENIA.test:" + t.port())) {
            RawHttp.Response ok = RawHttp.send(t.port(), "GET", "/health", Map.of("Host", host, "Connection", "close"), null);
            assertThat(ok.status()).as(host + ": " + ok.body()).isEqualTo(200);
        }
        assertThat(RawHttp.send(t.port(), "GET", "/ws", RawHttp.upgrade("penia.test:" + t.port()), null).status())
                .isEqualTo(101);
    }

    @Test
    void allowedOrigin_getsPreflightAndCorsHeaders_includingHealth_andItsWritesAreServed() {
        TestServer.Resp pre = preflight("/api/v1/usage/record", HEPHAESTUS);
        assertThat(pre.status()).as(pre.raw()).isEqualTo(200);
        assertThat(pre.http().headers().firstValue("Access-Control-Allow-Origin")).hasValue(HEPHAESTUS);
        assertThat(pre.http().headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
        assertThat(pre.http().headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
                .contains("x-api-key").contains("authorization").contains("content-type");

        TestServer.Resp health = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/health")).header("Origin", HEPHAESTUS));
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.http().headers().firstValue("Access-Control-Allow-Origin")).hasValue(HEPHAESTUS);

        String id = "ui-" + UUID.randomUUID();
        TestServer.Resp created = post("/api/v1/budgets", "application/json", budgetJson(id), "Origin", HEPHAESTUS);
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        assertThat(created.http().headers().firstValue("Access-Control-Allow-Origin")).hasValue(HEPHAESTUS);
        assertThat(budgetExists(id)).isTrue();

        Map<String, String> ws = RawHttp.upgrade("127.0.0.1:" + t.port());
        ws.put("Origin", HEPHAESTUS);
        assertThat(RawHttp.send(t.port(), "GET", "/ws", ws, null).status()).isEqualTo(101);
        TestServer.Resp mcp = post("/mcp", "application/json", Sec.INITIALIZE, "Accept", "application/json, text/event-stream",
                "Origin", HEPHAESTUS);
        assertThat(mcp.status()).as(mcp.raw()).isEqualTo(200);
    }

    @Test
    void ownOrigin_sameOriginPages_areServed() {
        for (String origin : List.of("http://127.0.0.1:" + t.port(), "http://localhost:" + t.port())) {
            String id = "own-" + UUID.randomUUID();
            TestServer.Resp r = post("/api/v1/budgets", "application/json", budgetJson(id), "Origin", origin);
            assertThat(r.status()).as(origin + ": " + r.raw()).isEqualTo(201);
            assertThat(budgetExists(id)).isTrue();
        }
        // Another port on loopback is another origin.
        TestServer.Resp other = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets"))
                .header("Origin", "http://localhost:3000"));
        assertThat(other.status()).isEqualTo(403);
    }

    @Test
    void withKeys_preflightNeedsNoKey_andTheActualRequestStillDoes() {
        try (TestServer keyed = Sec.start(Map.of("PENIA_CORS_ORIGINS", "https://ui.example.com"))) {
            TestServer.Resp pre = keyed.send(HttpRequest.newBuilder(URI.create(keyed.base() + "/api/v1/budgets"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://ui.example.com").header("Access-Control-Request-Method", "GET")
                    .header("Access-Control-Request-Headers", "x-api-key"));
            assertThat(pre.status()).as(pre.raw()).isEqualTo(200);
            assertThat(pre.http().headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ui.example.com");
            HttpRequest.Builder noKey = HttpRequest.newBuilder(URI.create(keyed.base() + "/api/v1/budgets"))
                    .header("Origin", "https://ui.example.com");
            assertThat(keyed.send(noKey).status()).isEqualTo(401);
            JsonNode list = keyed.send(HttpRequest.newBuilder(URI.create(keyed.base() + "/api/v1/budgets"))
                    .header("Origin", "https://ui.example.com").header("X-API-Key", Sec.ADMIN_KEY)).body();
            assertThat(list.has("items") || list.isArray()).as(list.toString()).isTrue();
            // The default list is replaced, not extended.
            assertThat(keyed.send(HttpRequest.newBuilder(URI.create(keyed.base() + "/health")).header("Origin", HEPHAESTUS))
                    .status()).isEqualTo(403);
        }
    }

    private static TestServer.Resp preflight(String path, String origin) {
        return t.send(HttpRequest.newBuilder(URI.create(t.base() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-api-key,authorization"));
    }
}
