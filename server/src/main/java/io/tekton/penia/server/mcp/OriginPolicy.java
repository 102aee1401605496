package io.tekton.penia.server.mcp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which browser origins may talk to the MCP endpoint, against DNS rebinding.
 *
 * <p>A request without {@code Origin} comes from a non-browser client and passes: the
 * attack needs a browser, and browsers always send {@code Origin} on the cross-origin
 * requests it relies on. With no configured origins only loopback pages pass
 * ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}, any port); otherwise exactly the
 * configured {@code scheme://host[:port]} values do.
 */
final class OriginPolicy {
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Set<String> allowed;
    /** The embedding server's own decision on an Origin header, or null to use {@link #allowed}. */
    private final Predicate<String> check;

    private OriginPolicy(Set<String> allowed, Predicate<String> check) {
        this.allowed = allowed;
        this.check = check;
    }

    /** A policy that asks {@code check} about every Origin header sent (requests without one pass). */
    static OriginPolicy of(Predicate<String> check) {
        return new OriginPolicy(Set.of(), check);
    }

    /**
     * Builds the policy, or lists every configured origin that is not a plain
     * {@code scheme://host[:port]}.
     */
    static OriginPolicy of(Set<String> allowedOrigins, List<String> problems) {
        Set<String> normalized = new HashSet<>();
        for (String origin : allowedOrigins) {
            Optional<String> n = normalize(origin);
            if (n.isEmpty()) {
                problems.add("allowedOrigins: '" + origin + "' is not scheme://host[:port]");
            } else {
                normalized.add(n.get());
            }
        }
        return new OriginPolicy(Set.copyOf(normalized), null);
    }

    /** True if a request with this {@code Origin} header (or none) may proceed. */
    boolean permits(Optional<String> originHeader) {
        if (originHeader.isEmpty()) {
            return true;
        }
        if (check != null) {
            return check.test(originHeader.get());
        }
        Optional<String> origin = normalize(originHeader.get());
        if (origin.isEmpty()) {
            return false; // "null" (sandboxed pages, file://) and anything malformed
        }
        if (allowed.isEmpty()) {
            return LOOPBACK_HOSTS.contains(URI.create(origin.get()).getHost());
        }
        return allowed.contains(origin.get());
    }

    /** The configured origins, for diagnostics. */
    List<String> allowedOrigins() {
        return new ArrayList<>(allowed);
    }

    private static Optional<String> normalize(String origin) {
        String trimmed = origin == null ? "" : origin.trim().toLowerCase(Locale.ROOT);
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        try {
            URI uri = new URI(trimmed);
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty();
            if (!web || uri.getHost() == null || !bare || uri.getRawQuery() != null
                    || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                return Optional.empty();
            }
            return Optional.of(trimmed);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
