package io.tekton.penia.hermes;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How Penia presents itself to Hermes and how hard it tries.
 *
 * <p>The compact constructor validates every field and reports all bad ones at once; it
 * repairs nothing. {@link #builder()} starts from Penia's defaults (name {@code penia}, type
 * {@code budget}, the metadata keys of SPEC §6, 30 s heartbeats, 2 s request timeout,
 * 1 s → 30 s backoff, 3 s shutdown budget).
 *
 * @param hermesUrl         Hermes base URL, e.g. {@code http://localhost:8001}; {@code /api/...} is
 *                          appended. May be null only when disabled.
 * @param enabled           false: the registrar does nothing at all
 * @param componentName     the registered {@code name}; also the prefix of tool names ({@code penia_<tool>})
 * @param version           Penia's version
 * @param type              the registered {@code type}
 * @param endpoint          where Penia serves, {@code http://HOST:PORT}
 * @param capabilities      the registered capabilities
 * @param metadata          registered metadata; must hold {@code websocket_endpoint},
 *                          {@code mcp_endpoint} and {@code api_base}; values are JSON-able
 * @param heartbeatInterval time between heartbeats
 * @param requestTimeout    limit on each HTTP request to Hermes (connect and answer)
 * @param initialBackoff    first retry delay while Hermes is unreachable or refuses
 * @param maxBackoff        retry delay ceiling
 * @param shutdownTimeout   limit on {@link HermesRegistrar#close()} as a whole
 */
public record HermesConfig(
        URI hermesUrl,
        boolean enabled,
        String componentName,
        String version,
        String type,
        URI endpoint,
        List<String> capabilities,
        Map<String, Object> metadata,
        Duration heartbeatInterval,
        Duration requestTimeout,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration shutdownTimeout) {

    /** Metadata keys SPEC §6 requires in every registration. */
    public static final List<String> REQUIRED_METADATA = List.of("websocket_endpoint", "mcp_endpoint", "api_base");

    static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);
    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MAX_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_CAPABILITIES = 64;

    /**
     * The capabilities Penia registers by default: those Tekton's former Budget component
     * registered, plus its MCP capability names ({@code budget_management}) and
     * {@code usage_tracking}, so Tekton finds Penia the way it found the seed component.
     */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "budget_management", "usage_tracking", "budget_allocation", "cost_tracking", "usage_monitoring",
            "assistant_service", "websocket_support", "mcp_bridge");
    static final int MAX_METADATA_ENTRIES = 64;

    // Tekton's RegistrationRequest insists on lowercase component names.
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

    /** Validates; throws {@link IllegalArgumentException} listing every bad field. */
    public HermesConfig {
        List<String> bad = new ArrayList<>();
        if (enabled || hermesUrl != null) {
            checkHttpUrl("hermesUrl", hermesUrl, bad);
        }
        if (componentName == null || !NAME.matcher(componentName).matches()) {
            bad.add("componentName must match " + NAME.pattern() + " (got " + quote(componentName) + ")");
        }
        if (version == null || version.isBlank()) {
            bad.add("version must not be blank");
        }
        if (type == null || type.isBlank()) {
            bad.add("type must not be blank");
        }
        checkHttpUrl("endpoint", endpoint, bad);
        if (endpoint != null && endpoint.getPort() < 0) {
            bad.add("endpoint must name a port, http://HOST:PORT (got " + endpoint + ")");
        }
        checkCapabilities(capabilities, bad);
        checkMetadata(metadata, bad);
        checkDuration("heartbeatInterval", heartbeatInterval, MIN_INTERVAL, MAX_INTERVAL, bad);
        checkDuration("requestTimeout", requestTimeout, Duration.ofMillis(1), MAX_REQUEST_TIMEOUT, bad);
        checkDuration("initialBackoff", initialBackoff, Duration.ofMillis(1), MAX_INTERVAL, bad);
        checkDuration("maxBackoff", maxBackoff, Duration.ofMillis(1), MAX_INTERVAL, bad);
        checkDuration("shutdownTimeout", shutdownTimeout, Duration.ofMillis(1), MAX_SHUTDOWN_TIMEOUT, bad);
        if (initialBackoff != null && maxBackoff != null && maxBackoff.compareTo(initialBackoff) < 0) {
            bad.add("maxBackoff (" + maxBackoff.toMillis() + "ms) must be >= initialBackoff ("
                    + initialBackoff.toMillis() + "ms)");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("Invalid Hermes configuration: " + String.join("; ", bad));
        }
        capabilities = List.copyOf(capabilities);
        metadata = Json.immutableMap(metadata);
    }

    /** A builder holding Penia's defaults; {@code endpoint} and {@code hermesUrl} still have to be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A configuration that makes the registrar do nothing. */
    public static HermesConfig disabled(URI endpoint) {
        return builder().enabled(false).endpoint(endpoint).build();
    }

    /** The URL of a Hermes API path, e.g. {@code /api/register}. */
    URI hermesApi(String path) {
        return URI.create(stripSlash(hermesUrl.toString()) + path);
    }

    /** Where Hermes (or anyone) can execute {@code toolName}: {@code {endpoint}/api/tools/<tool>/execute}. */
    public URI toolEndpoint(String toolName) {
        return URI.create(stripSlash(endpoint.toString()) + "/api/tools/" + toolName + "/execute");
    }

    /** The name a tool is registered under in Hermes' tool registry: {@code penia_<tool>}. */
    public String hermesToolName(String toolName) {
        return componentName + "_" + toolName;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static void checkHttpUrl(String key, URI uri, List<String> bad) {
        if (uri == null) {
            bad.add(key + " is required");
            return;
        }
        String scheme = uri.getScheme();
        if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
            bad.add(key + " must be an absolute http(s) URL with a host (got " + uri + ")");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            bad.add(key + " must have no query or fragment (got " + uri + ")");
        }
    }

    /** Notes a missing {@code key} or one of more than {@code limit} entries; false when it is missing. */
    private static boolean checkCount(String key, Collection<?> entries, int limit, String whenMissing,
                                      List<String> bad) {
        if (entries == null) {
            bad.add(key + " is required" + whenMissing);
            return false;
        }
        if (entries.size() > limit) {
            bad.add(key + " has " + entries.size() + " entries, limit " + limit);
        }
        return true;
    }

    private static void checkCapabilities(List<String> capabilities, List<String> bad) {
        if (!checkCount("capabilities", capabilities, MAX_CAPABILITIES, " (may be empty)", bad)) {
            return;
        }
        for (String c : capabilities) {
            if (c == null || c.isBlank()) {
                bad.add("capabilities must not contain blank entries");
                return;
            }
        }
    }

    private static void checkMetadata(Map<String, Object> metadata, List<String> bad) {
        if (!checkCount("metadata", metadata == null ? null : metadata.keySet(), MAX_METADATA_ENTRIES, "", bad)) {
            return;
        }
        for (String key : REQUIRED_METADATA) {
            if (!(metadata.get(key) instanceof String path) || !path.startsWith("/")) {
                bad.add("metadata." + key + " must be a path starting with '/' (got "
                        + quote(metadata.get(key)) + ")");
            }
        }
        for (var entry : metadata.entrySet()) {
            if (entry.getKey() == null || entry.getKey().isBlank()) {
                bad.add("metadata keys must not be blank");
            } else if (!Json.isJsonable(entry.getValue())) {
                bad.add("metadata." + entry.getKey() + " is not a JSON value (a "
                        + entry.getValue().getClass().getName() + ")");
            }
        }
    }

    private static void checkDuration(String key, Duration d, Duration min, Duration max, List<String> bad) {
        if (d == null) {
            bad.add(key + " is required");
        } else if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            bad.add(key + " must be within " + min.toMillis() + "ms.." + max.toMillis() + "ms (got "
                    + d.toMillis() + "ms)");
        }
    }

    private static String quote(Object o) {
        return o == null ? "null" : "'" + o + "'";
    }

    /** Mutable builder over Penia's defaults; {@link #build()} validates. */
    public static final class Builder {
        private URI hermesUrl;
        private boolean enabled = true;
        private String componentName = "penia";
        private String version = "0.1.0";
        private String type = "budget";
        private URI endpoint;
        private List<String> capabilities = DEFAULT_CAPABILITIES;
        private final Map<String, Object> metadata = new LinkedHashMap<>();
        private Duration heartbeatInterval = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(2);
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration shutdownTimeout = Duration.ofSeconds(3);

        private Builder() {
            metadata.put("description", "Budget management and cost tracking component");
            metadata.put("websocket_endpoint", "/ws");
            metadata.put("mcp_endpoint", "/mcp");
            metadata.put("api_base", "/api/v1");
        }

        public Builder hermesUrl(URI hermesUrl) {
            this.hermesUrl = hermesUrl;
            return this;
        }

        public Builder hermesUrl(String hermesUrl) {
            return hermesUrl(hermesUrl == null ? null : URI.create(hermesUrl));
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder componentName(String componentName) {
            this.componentName = componentName;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** {@code http://host:port}. */
        public Builder endpoint(String host, int port) {
            return endpoint(URI.create("http://" + host + ":" + port));
        }

        public Builder capabilities(List<String> capabilities) {
            this.capabilities = capabilities == null ? null : new ArrayList<>(capabilities);
            return this;
        }

        /** Adds or replaces one metadata entry (e.g. the assistant context). */
        public Builder metadata(String key, Object value) {
            metadata.put(key, value);
            return this;
        }

        /** Adds or replaces metadata entries; the defaults stay unless replaced. */
        public Builder metadata(Map<String, ?> entries) {
            metadata.putAll(Objects.requireNonNull(entries, "entries"));
            return this;
        }

        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        public HermesConfig build() {
            return new HermesConfig(hermesUrl, enabled, componentName, version, type, endpoint,
                    capabilities, Collections.unmodifiableMap(new LinkedHashMap<>(metadata)),
                    heartbeatInterval, requestTimeout, initialBackoff, maxBackoff, shutdownTimeout);
        }
    }
}
