package io.tekton.penia.it.api;

import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.rest.Routes;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code /openapi.yaml} true: every documented operation is routed, and every route
 * of the server's route table is documented with the same template.
 */
@PeniaServerTest
class OpenApiRoutesTest {
    static TestServer t;

    @SuppressWarnings("unchecked")
    static Set<String> documented() {
        TestServer.Resp r = t.get("/openapi.yaml");
        assertThat(r.status()).isEqualTo(200);
        Map<String, Object> doc = new Yaml().load(r.raw());
        Set<String> ops = new TreeSet<>();
        ((Map<String, Object>) doc.get("paths")).forEach((path, item) -> ((Map<String, Object>) item).keySet().stream()
                .filter(m -> Set.of("get", "post", "put", "delete").contains(m))
                .forEach(m -> ops.add(m.toUpperCase(Locale.ROOT) + " " + path.replaceAll("\\{[^}]+}", "{}"))));
        return ops;
    }

    @Test
    void everyDocumentedOperation_isRouted() {
        for (String op : documented()) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{}", "x");
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base() + path))
                    .method(method, method.equals("GET") || method.equals("DELETE") ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString("{}"));
            TestServer.Resp r = t.send(b);
            assertThat(r.raw()).as(op).doesNotContain("no route for");
            assertThat(r.status()).as(op).isLessThan(500);
        }
    }

    @Test
    void everyDeclaredRoute_isDocumented_withTheSameTemplate() {
        // The route table the server registers with Helidon (and asks for each request's permission).
        Set<String> declared = new TreeSet<>();
        for (Routes.Route r : t.server().routes().routes()) {
            if (r.documented()) {
                declared.add(r.method() + " " + Routes.documentedTemplate(r.template()));
            }
        }
        assertThat(declared).hasSizeGreaterThan(30);
        Set<String> documented = exactlyDocumented();
        List<String> missing = new ArrayList<>(declared);
        missing.removeAll(documented);
        assertThat(missing).as("routes missing from openapi.yaml").isEmpty();
        // And the other way: the metrics label and the 405 answer of a path are its documented template.
        List<String> unrouted = new ArrayList<>(documented);
        unrouted.removeAll(declared);
        assertThat(unrouted).as("documented operations no route declares").isEmpty();
    }

    /** The documented operations as "METHOD /template", parameter names kept. */
    @SuppressWarnings("unchecked")
    private static Set<String> exactlyDocumented() {
        Map<String, Object> doc = new Yaml().load(t.get("/openapi.yaml").raw());
        Set<String> ops = new TreeSet<>();
        ((Map<String, Object>) doc.get("paths")).forEach((path, item) -> ((Map<String, Object>) item).keySet().stream()
                .filter(m -> Set.of("get", "post", "put", "delete").contains(m))
                .forEach(m -> ops.add(m.toUpperCase(Locale.ROOT) + " " + path)));
        return ops;
    }
}
