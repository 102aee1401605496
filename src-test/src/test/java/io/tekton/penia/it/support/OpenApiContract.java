package io.tekton.penia.it.support;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks real answers against {@code openapi.yaml}: finds the operation of a method and path
 * template, its response for the answer's status (the exact code, then {@code 4XX}-style
 * ranges, then {@code default}), and validates the JSON body against that response's schema
 * with networknt's JSON Schema validator (OpenAPI 3.1 schemas are JSON Schema 2020-12).
 */
public final class OpenApiContract {
    private static final String BASE = "https://penia.invalid/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode doc;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private OpenApiContract(String yaml) {
        Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        this.doc = JSON.valueToTree(tree);
        String json;
        try {
            json = JSON.writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                b -> b.schemas(Map.of(BASE, json)));
    }

    /** The document as the source tree has it (the one the server serves from its resources). */
    public static OpenApiContract load() {
        try {
            return new OpenApiContract(Files.readString(
                    Path.of(TestServer.repoRoot(), "server/src/main/resources/openapi.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parsed document. */
    public JsonNode document() {
        return doc;
    }

    /**
     * The schema violations of {@code body} (a JSON text) as the answer {@code status} of
     * {@code method pathTemplate}; empty when it conforms. A missing operation, response or
     * JSON schema is itself a violation.
     */
    public List<String> violations(String method, String pathTemplate, int status, String body) {
        String m = method.toLowerCase(Locale.ROOT);
        JsonNode op = doc.path("paths").path(pathTemplate).path(m);
        if (op.isMissingNode()) {
            return List.of("no operation " + method + " " + pathTemplate + " in openapi.yaml");
        }
        String responses = "/paths/" + escape(pathTemplate) + "/" + m + "/responses";
        String code = null;
        for (String c : List.of(String.valueOf(status), (status / 100) + "XX", "default")) {
            if (op.path("responses").has(c)) {
                code = c;
                break;
            }
        }
        if (code == null) {
            return List.of(method + " " + pathTemplate + " documents no response for " + status);
        }
        String pointer = responses + "/" + code;
        JsonNode response = op.path("responses").path(code);
        if (response.has("$ref")) {
            pointer = response.get("$ref").asText().substring(1);
            response = doc.at(pointer);
        }
        JsonNode media = response.path("content").path("application/json");
        if (!media.has("schema")) {
            return List.of(method + " " + pathTemplate + " " + code + " has no application/json schema");
        }
        String schemaPointer = pointer + "/content/" + escape("application/json") + "/schema";
        return validate(schemaPointer, method + " " + pathTemplate + " " + status, body);
    }

    /**
     * The schema violations of a request body (a JSON text) sent to {@code method pathTemplate};
     * empty when the operation's requestBody schema accepts it.
     */
    public List<String> requestViolations(String method, String pathTemplate, String body) {
        String m = method.toLowerCase(Locale.ROOT);
        JsonNode op = doc.path("paths").path(pathTemplate).path(m);
        if (!op.path("requestBody").path("content").path("application/json").has("schema")) {
            return List.of(method + " " + pathTemplate + " documents no application/json request body");
        }
        String pointer = "/paths/" + escape(pathTemplate) + "/" + m + "/requestBody/content/"
                + escape("application/json") + "/schema";
        return validate(pointer, method + " " + pathTemplate + " request", body);
    }

    /**
     * The schema violations of {@code body} (a JSON text) against the schema at {@code ref}
     * ({@code #/components/schemas/...}), for answers that are not one JSON body (JSON Lines).
     */
    public List<String> schemaViolations(String ref, String body) {
        return validate(ref.substring(1), ref, body);
    }

    private List<String> validate(String schemaPointer, String what, String body) {
        Schema schema = schemas.computeIfAbsent(schemaPointer,
                p -> registry.getSchema(SchemaLocation.of(BASE + "#" + p)));
        JsonNode instance;
        try {
            instance = JSON.readTree(body);
        } catch (IOException e) {
            return List.of(what + ": body is not JSON: " + body);
        }
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(instance)) {
            out.add(what + " at " + e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    /** Every operation of the document as {@code "METHOD /path/template"}. */
    public List<String> operations() {
        List<String> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").properties().iterator();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (String m : List.of("get", "post", "put", "delete")) {
                if (p.getValue().has(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            }
        }
        return out;
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
