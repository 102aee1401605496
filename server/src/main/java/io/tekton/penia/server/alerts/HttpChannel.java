package io.tekton.penia.server.alerts;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Posts JSON to webhook and Slack URLs with a bounded connect time and a bounded wait for the
 * whole exchange. Redirects are not followed (a signed body must not travel elsewhere).
 * 2xx is delivered; 408, 429 and 5xx are retried; any other status is refused for good.
 */
final class HttpChannel implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final String SIGNATURE_HEADER = "X-Penia-Signature";
    static final String ALERT_ID_HEADER = "X-Penia-Alert-Id";
    static final String DELIVERY_ID_HEADER = "X-Penia-Delivery-Id";

    /** Made on the first delivery: building a JDK client costs ~100 ms of start-up (JFR). */
    private HttpClient client;
    private boolean closed;
    private final String userAgent;
    /** The longest wait for the answer of one request (alerts.delivery_timeout_ms). */
    private final Duration requestTimeout;

    HttpChannel(String version, Duration requestTimeout) {
        this.userAgent = "Penia/" + version;
        this.requestTimeout = requestTimeout;
    }

    private synchronized HttpClient client() {
        if (client == null && !closed) {
            client = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
        }
        return client;
    }

    /**
     * Posts {@code body} to {@code url}; when {@code secretOrNull} is set, signs the exact bytes:
     * {@code X-Penia-Signature: sha256=<hex HMAC-SHA256>}.
     */
    SendResult post(String url, byte[] body, String alertId, String deliveryId, String secretOrNull)
            throws InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return SendResult.permanent("not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            return SendResult.permanent("not an http(s) URL");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", userAgent)
                .header(ALERT_ID_HEADER, alertId)
                .header(DELIVERY_ID_HEADER, deliveryId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (secretOrNull != null && !secretOrNull.isEmpty()) {
            b.header(SIGNATURE_HEADER, "sha256=" + hmacSha256Hex(secretOrNull, body));
        }
        HttpClient http = client();
        if (http == null) {
            return SendResult.retry("shutting down");
        }
        CompletableFuture<HttpResponse<Void>> f = http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding());
        try {
            // The request timeout covers the wait for the headers; this bounds the body too.
            int status = f.get(requestTimeout.toMillis() + CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).statusCode();
            if (status >= 200 && status < 300) {
                return SendResult.ok();
            }
            if (status == 408 || status == 429 || status >= 500) {
                return SendResult.retry("HTTP " + status);
            }
            return SendResult.permanent("HTTP " + status + " (not retried)");
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            return SendResult.retry("no response within " + requestTimeout.toMillis() + "ms");
        } catch (ExecutionException e) {
            return SendResult.retry(describe(e.getCause()));
        }
    }

    private String describe(Throwable t) {
        if (t instanceof HttpConnectTimeoutException) {
            return "connect timed out after " + CONNECT_TIMEOUT.toMillis() + "ms";
        }
        if (t instanceof HttpTimeoutException) {
            return "no response within " + requestTimeout.toMillis() + "ms";
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        // Exception messages of the HTTP client name neither headers nor bodies, so no secret.
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static String hmacSha256Hex(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.shutdownNow();
        }
    }
}
