package io.tekton.penia.server.rest;

import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.tekton.penia.server.security.Policy.Need;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The HTTP routes of Penia, each declared once next to its handler: method, path template,
 * what the caller needs ({@link Need}) and the handler ({@code r.post("/record", WRITE, this::record)}).
 * The same table registers the routes with Helidon, tells the security policy what a request
 * needs, names the route template metrics count a request under, and lists the methods of a
 * path for a 405. The documented routes are the API of {@code openapi.yaml} (a test keeps the
 * two equal); the dashboard's files are routes too, but not documented (their requests count
 * as {@code other}, as any path outside the API).
 */
public final class Routes {
    /** The paths that have their own gate and their own metrics label, outside this table. */
    private static final String MCP = "/mcp";
    private static final String WS = "/ws";

    /**
     * One route.
     *
     * @param method     GET, POST, PUT or DELETE
     * @param template   the full path template, as documented ({@code /api/v1/budgets/{budget_id}})
     * @param need       what a caller needs to reach the handler
     * @param documented whether the route is part of the documented API
     */
    public record Route(String method, String template, Need need, boolean documented) {
        public Route {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(need, "need");
        }

        /** The number of path parameters (the most specific template has the fewest). */
        int params() {
            return (int) template.chars().filter(ch -> ch == '{').count();
        }
    }

    /** How a service declares its routes (paths relative to where it is mounted). */
    public interface Rules {
        Rules get(String path, Need need, Handler handler);

        Rules post(String path, Need need, Handler handler);

        Rules put(String path, Need need, Handler handler);

        Rules delete(String path, Need need, Handler handler);
    }

    /** A group of routes mounted under one prefix (Helidon's {@code HttpService}, with needs). */
    @FunctionalInterface
    public interface Service {
        void routes(Rules rules);
    }

    /** A route with Helidon's matcher for its template and the literal part before the first parameter. */
    private record Entry(Route route, PathMatcher matcher, String literal) {
    }

    private record Mount(String prefix, Service service) {
    }

    private final List<Mount> mounts;
    private final List<Route> routes;
    /** Routes without parameters, by "METHOD path": the hot calls are found without matching. */
    private final Map<String, Route> exact = new HashMap<>();
    private final List<Entry> templated = new ArrayList<>();
    /** Prefixes under which every route needs admin: anything else under them needs admin too. */
    private final List<String> adminOnly = new ArrayList<>();

    private Routes(List<Mount> mounts, List<Route> routes) {
        this.mounts = List.copyOf(mounts);
        this.routes = List.copyOf(routes);
        for (Route r : this.routes) {
            if (r.params() == 0 && !r.template().contains("*")) {
                exact.put(r.method() + ' ' + r.template(), r);
            } else {
                int brace = r.template().indexOf('{');
                int star = r.template().indexOf('*');
                int cut = brace < 0 ? star : star < 0 ? brace : Math.min(brace, star);
                templated.add(new Entry(r, PathMatchers.create(r.template()), r.template().substring(0, cut)));
            }
        }
        for (Mount m : this.mounts) {
            List<Route> under = this.routes.stream().filter(r -> under(r.template(), m.prefix())).toList();
            if (!m.prefix().equals("/") && !under.isEmpty() && under.stream().allMatch(r -> r.need() == Need.ADMIN)) {
                adminOnly.add(m.prefix());
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the services in the order Helidon is to try them. */
    public static final class Builder {
        private final List<Mount> mounts = new ArrayList<>();
        private final List<Route> routes = new ArrayList<>();

        private Builder() {
        }

        /** A service of the documented API, mounted at {@code prefix}. */
        public Builder service(String prefix, Service service) {
            return mount(prefix, service, true);
        }

        /** A service outside the documented API (the dashboard's files). */
        public Builder pages(String prefix, Service service) {
            return mount(prefix, service, false);
        }

        private Builder mount(String prefix, Service service, boolean documented) {
            mounts.add(new Mount(prefix, service));
            service.routes(new Collector(prefix, documented, routes));
            return this;
        }

        public Routes build() {
            return new Routes(mounts, routes);
        }
    }

    /** Registers every service with Helidon, each under its prefix, in the order given. */
    public void register(HttpRouting.Builder routing) {
        for (Mount m : mounts) {
            routing.register(m.prefix(), (HttpService) rules -> m.service().routes(new Registrar(rules)));
        }
    }

    /** Every route, in declaration order. */
    public List<Route> routes() {
        return routes;
    }

    /** {@code /mcp} or {@code /ws} for their paths, else null. */
    static String transport(String path) {
        if (path.equals(MCP) || path.startsWith(MCP + "/")) {
            return MCP;
        }
        return path.equals(WS) ? WS : null;
    }

    /**
     * What {@code method path} needs: the need of the route it reaches (HEAD and OPTIONS as GET).
     * A request no route takes (a 404 or 405 is coming) needs admin under an admin-only prefix,
     * any key to read, and admin for anything else: a write is closed until a route opens it.
     * The path is compared as routing would see it (repeated and trailing slashes removed).
     * {@code /mcp} and {@code /ws} have their own gate.
     */
    public Need need(String method, String path) {
        if (transport(path) != null) {
            return Need.OWN_GATE;
        }
        String m = method.equals("HEAD") || method.equals("OPTIONS") ? "GET" : method;
        String p = normalize(path);
        Route r = find(m, p);
        if (r != null) {
            return r.need();
        }
        for (String a : adminOnly) {
            if (under(p, a)) {
                return Need.ADMIN;
            }
        }
        return m.equals("GET") ? Need.ANY : Need.ADMIN;
    }

    /**
     * The metrics label of {@code path}: the documented template it falls under (the one with the
     * fewest parameters when several do, whatever the method), {@code /mcp}, {@code /ws}, or
     * {@code other}.
     */
    public String label(String path) {
        String t = transport(path);
        if (t != null) {
            return t;
        }
        Route best = null;
        for (Route r : matching(null, path)) {
            if (r.documented() && (best == null || r.params() < best.params())) {
                best = r;
            }
        }
        return best == null ? "other" : documentedTemplate(best.template());
    }

    /** The methods the documented routes take at {@code path} (empty: no such path). */
    public Set<String> allowed(String path) {
        Set<String> out = new TreeSet<>();
        for (Route r : matching(null, path)) {
            if (r.documented()) {
                out.add(r.method());
            }
        }
        return out;
    }

    /** The template as {@code openapi.yaml} writes it: a parameter spanning segments is {@code {model}}. */
    public static String documentedTemplate(String template) {
        return template.replace("{+", "{");
    }

    private Route find(String method, String path) {
        Route r = exact.get(method + ' ' + path);
        if (r != null) {
            return r;
        }
        Route best = null;
        for (Route c : matching(method, path)) {
            if (best == null || c.params() < best.params()) {
                best = c;
            }
        }
        return best;
    }

    /** The routes (of {@code method}, or of any method when null) whose template matches {@code path}. */
    private List<Route> matching(String method, String path) {
        List<Route> out = new ArrayList<>(2);
        for (Route r : routes) {
            if ((method == null || r.method().equals(method)) && r.params() == 0 && !r.template().contains("*")
                    && r.template().equals(path)) {
                out.add(r);
            }
        }
        UriPath uri = null;
        for (Entry e : templated) {
            if ((method == null || e.route().method().equals(method)) && path.startsWith(e.literal())) {
                uri = uri == null ? UriPath.create(path) : uri;
                if (e.matcher().match(uri).accepted()) {
                    out.add(e.route());
                }
            }
        }
        return out;
    }

    private static String normalize(String path) {
        // No regex and no string building unless the path has "//" or ends with "/".
        String p = path;
        if (p.contains("//")) {
            p = p.replaceAll("/{2,}", "/");
        }
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static boolean under(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    private static String join(String prefix, String path) {
        String p = prefix.equals("/") ? "" : prefix;
        String full = p + (path.equals("/") ? "" : path);
        return full.isEmpty() ? "/" : full;
    }

    /** Records a service's routes with full templates. */
    private record Collector(String prefix, boolean documented, List<Route> into) implements Rules {
        private Rules add(Method method, String path, Need need) {
            into.add(new Route(method.text(), join(prefix, path), need, documented));
            return this;
        }

        @Override
        public Rules get(String path, Need need, Handler handler) {
            return add(Method.GET, path, need);
        }

        @Override
        public Rules post(String path, Need need, Handler handler) {
            return add(Method.POST, path, need);
        }

        @Override
        public Rules put(String path, Need need, Handler handler) {
            return add(Method.PUT, path, need);
        }

        @Override
        public Rules delete(String path, Need need, Handler handler) {
            return add(Method.DELETE, path, need);
        }
    }

    /** Hands a service's routes to Helidon, relative to its mount (as an {@code HttpService} would). */
    private record Registrar(HttpRules rules) implements Rules {
        @Override
        public Rules get(String path, Need need, Handler handler) {
            rules.get(path, handler);
            return this;
        }

        @Override
        public Rules post(String path, Need need, Handler handler) {
            rules.post(path, handler);
            return this;
        }

        @Override
        public Rules put(String path, Need need, Handler handler) {
            rules.put(path, handler);
            return this;
        }

        @Override
        public Rules delete(String path, Need need, Handler handler) {
            rules.delete(path, handler);
            return this;
        }
    }
}
