package io.tekton.penia.it.api;

import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code /openapi.yaml} true: every documented operation is routed, and every route
 * the REST services declare is documented.
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
    void everyDeclaredRoute_isDocumented() throws IOException {
        Path src = Path.of(TestServer.repoRoot(), "server/src/main/java/io/tekton/penia/server");
        String root = Files.readString(src.resolve("PeniaServer.java"));
        Pattern register = Pattern.compile("\\.register\\(\"([^\"]+)\",\\s*(?:new\\s+(\\w+)\\(|(\\w+)\\.(\\w+)\\()");
        Pattern route = Pattern.compile("\\.(get|post|put|delete)\\(\"(/[^\"]*)\",");
        Set<String> declared = new TreeSet<>();
        Matcher m = register.matcher(root);
        while (m.find()) {
            String prefix = m.group(1).equals("/") ? "" : m.group(1);
            String cls = m.group(2) != null ? m.group(2) : m.group(3);
            Path file = src.resolve("rest").resolve(cls + ".java");
            if (!Files.exists(file)) {
                continue; // not a REST service of ours (the MCP transport)
            }
            String body = Files.readString(file);
            if (m.group(4) != null) {
                body = section(body, m.group(4));
            }
            Matcher r = route.matcher(body);
            while (r.find()) {
                String p = prefix + (r.group(2).equals("/") ? "" : r.group(2));
                declared.add(r.group(1).toUpperCase(Locale.ROOT) + " " + p.replaceAll("\\{[^}]+}", "{}"));
            }
        }
        assertThat(declared).hasSizeGreaterThan(30);
        List<String> missing = new ArrayList<>(declared);
        missing.removeAll(documented());
        assertThat(missing).as("routes missing from openapi.yaml").isEmpty();
    }

    /** The text of one static factory method (from its declaration to the next one). */
    private static String section(String body, String method) {
        int start = body.indexOf(" " + method + "(");
        int next = body.indexOf("public static", start + 1);
        return body.substring(start, next < 0 ? body.length() : next);
    }
}
