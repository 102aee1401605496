package io.tekton.penia.server.ui;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.server.rest.Http;
import io.tekton.penia.server.rest.Routes;
import io.tekton.penia.server.security.Policy.Need;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Penia's own dashboard (SPEC §10): {@code GET /} is the single page, {@code GET /ui/*} its
 * modules and styles from the jar ({@code penia-ui/}), {@code GET /ui/vendor/uplot/*} the
 * uPlot WebJar. Nothing else: {@code /api}, {@code /ws}, {@code /mcp}, {@code /health} and
 * {@code /metrics} keep their own routes. The files need no key (the page asks for one and
 * sends it with every API call); a Content-Security-Policy keeps the page to its own origin.
 */
public final class Dashboard implements Routes.Service {
    private static final String ROOT = "penia-ui/";
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*(\\.[A-Za-z0-9]+)+");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    @Override
    public void routes(Routes.Rules rules) {
        rules.get("/", Need.PUBLIC, (req, res) -> send(req, res, ROOT + "index.html", "html"))
                .get("/ui/*", Need.PUBLIC, this::file);
    }

    private void file(ServerRequest req, ServerResponse res) {
        String rest = req.path().path().substring("/ui/".length());
        if (!SAFE.matcher(rest).matches()) {
            notFound(res);
            return;
        }
        String ext = rest.substring(rest.lastIndexOf('.') + 1);
        String resource = rest.startsWith("vendor/uplot/") ? UPLOT + rest.substring("vendor/uplot/".length()) : ROOT + rest;
        send(req, res, resource, ext);
    }

    private void send(ServerRequest req, ServerResponse res, String resource, String ext) {
        String type = TYPES.get(ext);
        Optional<byte[]> body = type == null ? Optional.empty() : file(resource);
        if (body.isEmpty()) {
            notFound(res);
            return;
        }
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Referrer-Policy", "no-referrer");
        res.header("X-Frame-Options", "DENY");
        res.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self'" + (host.matches("[A-Za-z0-9.:\\[\\]-]+") ? " ws://" + host + " wss://" + host : "")
                + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        res.send(body.get());
    }

    private static void notFound(ServerResponse res) {
        Http.error(res, new PeniaException(ErrorCode.NOT_FOUND, "no such dashboard file"));
    }

    /** A file of the jar, kept once read (only files that exist: a miss is not remembered). */
    private Optional<byte[]> file(String resource) {
        byte[] b = cache.get(resource);
        if (b == null) {
            Optional<byte[]> loaded = load(resource);
            loaded.ifPresent(bytes -> cache.put(resource, bytes));
            return loaded;
        }
        return Optional.of(b);
    }

    private static Optional<byte[]> load(String resource) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
