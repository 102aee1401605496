package io.tekton.penia.it.api;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.rest.Http;
import io.tekton.penia.server.rest.Routes;
import io.tekton.penia.server.rest.ToolsService;
import io.tekton.penia.tools.Caller;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static io.tekton.penia.server.security.Policy.Need.ADMIN;
import static io.tekton.penia.server.security.Policy.Need.ANY;
import static io.tekton.penia.server.security.Policy.Need.OWN_GATE;
import static io.tekton.penia.server.security.Policy.Need.PUBLIC;
import static io.tekton.penia.server.security.Policy.Need.READ_ALL;
import static io.tekton.penia.server.security.Policy.Need.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route table: each route's permission, metrics label and methods come from where it is
 * declared; and a service's routes, built alone (Helidon's routing-test style, no security
 * filter, no engine start-up of their own), answer exactly as the whole server does.
 */
@PeniaServerTest
class RouteTableTest {
    static TestServer t;

    /** The {@code /api/tools} routes alone, as the server declares them; every caller is the local admin. */
    static void toolsRouting(HttpRouting.Builder r) {
        Routes.builder()
                .service("/api/tools", ToolsService.tools(t.server().tools(), new Http(1 << 20, 1000),
                        req -> Caller.LOCAL_ADMIN))
                .build()
                .register(r);
    }

    @Test
    void toolsRoutes_builtAlone_answerByteForByteAsTheServer() throws Exception {
        t.post("/api/v1/budgets", Map.of("name", "route table", "scope", Map.of("component", "routes"),
                "limits", Map.of("monthly", 5)));
        WebServer alone = WebServer.builder().host("127.0.0.1").port(0).routing(RouteTableTest::toolsRouting).build()
                .start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            String aloneBase = "http://127.0.0.1:" + alone.port();
            for (String[] call : new String[][] {
                    {"/api/tools/list_budgets/execute", "{}"},
                    {"/api/tools/penia_get_budget_status/execute", "{\"parameters\":{\"budget_id\":\"no-such\"}}"},
                    {"/api/tools/check_budget/execute", "{\"component\":\"routes\",\"estimated_cost\":-1}"}}) {
                HttpResponse<String> a = client.send(post(aloneBase + call[0], call[1]), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> s = client.send(post(t.base() + call[0], call[1]), HttpResponse.BodyHandlers.ofString());
                assertThat(a.statusCode()).as(call[0]).isEqualTo(s.statusCode());
                assertThat(a.body()).as(call[0]).isEqualTo(s.body()).contains("\"tool\":");
            }
        } finally {
            alone.stop();
        }
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void needs_labelsAndMethods_comeFromTheDeclaredRoutes() {
        Routes r = t.server().routes();
        assertThat(r.need("POST", "/api/v1/usage/record")).isEqualTo(WRITE);
        assertThat(r.need("POST", "/api/v1/reservations/r-1/release")).isEqualTo(WRITE);
        assertThat(r.need("GET", "/api/v1/alerts/a-1/deliveries")).isEqualTo(READ_ALL);
        assertThat(r.need("HEAD", "/health")).isEqualTo(PUBLIC);
        assertThat(r.need("GET", "/ui/vendor/uplot/uPlot.min.css")).isEqualTo(PUBLIC);
        assertThat(r.need("GET", "/api/v1/prices/openai/org/model")).isEqualTo(ANY);
        assertThat(r.need("PUT", "/api/v1/prices/openai/org/model")).isEqualTo(ADMIN);
        // No route: admin under a prefix whose routes are all admin, reads need a key, writes admin.
        assertThat(r.need("GET", "//api//v1/keys/x/y/")).isEqualTo(ADMIN);
        assertThat(r.need("GET", "/api/v1/made-up")).isEqualTo(ANY);
        assertThat(r.need("POST", "/api/v1/made-up")).isEqualTo(ADMIN);
        assertThat(r.need("POST", "/mcp")).isEqualTo(OWN_GATE);
        assertThat(r.label("/api/v1/prices/openai/org/model")).isEqualTo("/api/v1/prices/{provider}/{model}");
        assertThat(r.label("/api/v1/budgets/b-1")).isEqualTo("/api/v1/budgets/{budget_id}");
        assertThat(r.label("/ui/app.js")).isEqualTo("other");
        assertThat(r.label("/ws")).isEqualTo("/ws");
        assertThat(r.allowed("/api/v1/budgets/b-1")).containsExactly("DELETE", "GET", "PUT");
        assertThat(r.allowed("/")).isEmpty();
    }
}
