package io.tekton.penia.it.ui;

import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** How {@code /} and {@code /ui/*} are served (no browser): public files, strict headers, nothing shadowed. */
class DashboardServingTest {
    static final String ADMIN = "serve-admin-" + UUID.randomUUID();
    static TestServer t;

    @BeforeAll
    static void up() {
        t = TestServer.start(Map.of("PENIA_ADMIN_KEY", ADMIN));
    }

    @AfterAll
    static void down() {
        t.close();
    }

    @Test
    void thePageAndItsFiles_needNoKey_andComeWithAContentSecurityPolicy() {
        TestServer.Resp page = t.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.http().headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.raw()).contains("<script type=\"module\" src=\"/ui/app.js\">");
        String csp = page.http().headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                .contains("connect-src 'self' ws://127.0.0.1:" + t.port());
        assertThat(page.http().headers().firstValue("x-content-type-options")).hasValue("nosniff");
        for (String f : new String[]{"/ui/app.js", "/ui/api.js", "/ui/overview.js", "/ui/budget.js", "/ui/usage.js",
                "/ui/alerts.js", "/ui/settings.js", "/ui/prices.js", "/ui/vendor/uplot/uPlot.esm.js"}) {
            TestServer.Resp r = t.get(f);
            assertThat(r.status()).as(f).isEqualTo(200);
            assertThat(r.http().headers().firstValue("content-type")).as(f).hasValue("text/javascript; charset=utf-8");
        }
        assertThat(t.get("/ui/app.css").http().headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
        assertThat(t.get("/ui/vendor/uplot/uPlot.min.css").status()).isEqualTo(200);
    }

    @Test
    void unknownOrEscapingPaths_are404_inTheEnvelope() {
        for (String p : new String[]{"/ui/nope.js", "/ui/%2e%2e/%2e%2e/etc/passwd",
                "/ui/vendor/uplot/../../../META-INF/MANIFEST.MF", "/ui/app.js.bak", "/ui/", "/ui/PeniaServer.class"}) {
            TestServer.Resp r = t.send(HttpRequest.newBuilder(URI.create(t.base() + p)).GET());
            assertThat(r.status()).as(p).isIn(400, 401, 404); // 401: normalized to a path outside /ui, behind the key
            assertThat(r.raw()).as(p).doesNotContain("Manifest-Version").doesNotContain("root:");
        }
        TestServer.Resp r = t.get("/ui/nope.js");
        assertThat(r.body().get("error").get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void theDashboard_shadowsNoOtherRoute() {
        assertThat(t.get("/health").body().get("database").asText()).isEqualTo("connected");
        assertThat(t.get("/openapi.yaml").raw()).startsWith("openapi:");
        TestServer.Resp api = t.get("/api/v1/budgets");
        assertThat(api.status()).isEqualTo(401); // still behind the key
        TestServer.Resp metrics = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/metrics")).header("X-API-Key", ADMIN).GET());
        assertThat(metrics.raw()).contains("penia_http_requests_seconds");
        assertThat(t.get("/api/v1/nothing-here").status()).isEqualTo(401);
        TestServer.Resp none = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/nothing-here")).header("X-API-Key", ADMIN).GET());
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.raw()).contains("no route for GET /api/v1/nothing-here");
        // Writes to the page's paths stay closed (admin-only by default, and no route).
        TestServer.Resp post = t.postRaw("/", "{}");
        assertThat(post.status()).isEqualTo(401);
    }
}
