package io.tekton.penia.server.rest;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The methods each documented path takes, read from {@code openapi.yaml} (which a test keeps
 * equal to the routes): a request no route took, on a path that exists for other methods, is a
 * 405 with {@code Allow}, not a 404.
 */
public final class RouteMethods {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    private record Route(Pattern path, Set<String> methods, String template) {
    }

    private final List<Route> routes;

    private RouteMethods(List<Route> routes) {
        this.routes = routes;
    }

    /** From the OpenAPI document's {@code paths}; a {@code {model}} parameter may span segments. */
    @SuppressWarnings("unchecked")
    public static RouteMethods fromOpenApi(byte[] yaml) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(yaml, StandardCharsets.UTF_8));
        List<Route> routes = new ArrayList<>();
        if (root instanceof Map<?, ?> m && m.get("paths") instanceof Map<?, ?> paths) {
            paths.forEach((path, ops) -> {
                Set<String> methods = new TreeSet<>();
                if (ops instanceof Map<?, ?> o) {
                    o.keySet().forEach(k -> {
                        if (METHODS.contains(String.valueOf(k))) {
                            methods.add(String.valueOf(k).toUpperCase(Locale.ROOT));
                        }
                    });
                }
                routes.add(new Route(template(String.valueOf(path)), methods, String.valueOf(path)));
            });
        }
        return new RouteMethods(List.copyOf(routes));
    }

    private static Pattern template(String path) {
        StringBuilder re = new StringBuilder();
        for (String part : path.split("(?=\\{)|(?<=})")) {
            if (part.equals("{model}")) {
                re.append(".+");
            } else if (part.startsWith("{") && part.endsWith("}")) {
                re.append("[^/]+");
            } else {
                re.append(Pattern.quote(part));
            }
        }
        return Pattern.compile(re.toString());
    }

    /**
     * The documented path template {@code path} falls under ({@code /api/v1/budgets/{budget_id}}),
     * the one with the fewest parameters when several match; null when none does.
     */
    public String templateOf(String path) {
        String best = null;
        int bestParams = Integer.MAX_VALUE;
        for (Route r : routes) {
            if (r.path().matcher(path).matches()) {
                int params = (int) r.template().chars().filter(ch -> ch == '{').count();
                if (params < bestParams) {
                    best = r.template();
                    bestParams = params;
                }
            }
        }
        return best;
    }

    /** The methods the documented routes take at {@code path} (empty: no such path). */
    public Set<String> allowed(String path) {
        Set<String> out = new TreeSet<>();
        for (Route r : routes) {
            if (r.path().matcher(path).matches()) {
                out.addAll(r.methods());
            }
        }
        return out;
    }
}
