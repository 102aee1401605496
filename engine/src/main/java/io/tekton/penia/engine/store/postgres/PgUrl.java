package io.tekton.penia.engine.store.postgres;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A PostgreSQL address as {@code PENIA_DB} gives it (issue 23): {@code postgresql://user@host:port/dbname},
 * {@code postgresql://user:password@host/dbname?param=value&…} (libpq's URI form; {@code postgres://} is
 * accepted too) or the JDBC driver's {@code jdbc:postgresql://host:port/dbname?user=…&password=…}.
 *
 * <p>The port defaults to 5432; the user and the database name are required. The password comes from the
 * URL when it has one, else from {@code PENIA_DB_PASSWORD} (passed in), else there is none (trust or peer
 * authentication). Other query parameters are handed to the JDBC driver as connection properties
 * ({@code sslmode=require}, {@code ApplicationName=…}). One host only: a load-balanced or multi-host list
 * is refused rather than half understood.
 *
 * <p>The password never leaves this object except through {@link #password()}: {@link #toString()} and
 * every error message show {@code ***} in its place, so a URL can be logged and echoed safely.
 */
public final class PgUrl {
    /** The port PostgreSQL listens on when the URL names none. */
    public static final int DEFAULT_PORT = 5432;
    private static final String REDACTED = "***";
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&]password=)[^&#]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]");
    private static final Pattern NAME_PART = Pattern.compile("[^\\s/?#]+");

    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final String database;
    private final Map<String, String> params;

    private PgUrl(String user, String password, String host, int port, String database, Map<String, String> params) {
        this.user = user;
        this.password = password;
        this.host = host;
        this.port = port;
        this.database = database;
        this.params = Collections.unmodifiableMap(params);
    }

    /** True when {@code value} asks for PostgreSQL (any other PENIA_DB value is a SQLite file). */
    public static boolean isPostgres(String value) {
        if (value == null) {
            return false;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        return v.startsWith("postgresql:") || v.startsWith("postgres:") || v.startsWith("jdbc:postgresql:");
    }

    /**
     * Parses a PostgreSQL URL.
     *
     * @param value            the URL (PENIA_DB)
     * @param passwordFallback the password when the URL has none (PENIA_DB_PASSWORD); null or empty for none
     * @throws IllegalArgumentException naming what is wrong, with the password redacted
     */
    public static PgUrl parse(String value, String passwordFallback) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("PENIA_DB: the PostgreSQL URL is empty");
        }
        String raw = value.strip();
        for (int i = 0; i < raw.length(); i++) {
            if (Character.isWhitespace(raw.charAt(i)) || Character.isISOControl(raw.charAt(i))) {
                throw bad(raw, "it contains a space or a control character (percent-encode it, e.g. %20)");
            }
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        String rest;
        if (lower.startsWith("jdbc:postgresql://")) {
            rest = raw.substring("jdbc:postgresql://".length());
        } else if (lower.startsWith("postgresql://")) {
            rest = raw.substring("postgresql://".length());
        } else if (lower.startsWith("postgres://")) {
            rest = raw.substring("postgres://".length());
        } else {
            throw bad(raw, "expected postgresql://user@host:port/dbname or jdbc:postgresql://host:port/dbname");
        }
        if (rest.indexOf('#') >= 0) {
            throw bad(raw, "a fragment (#…) has no meaning here");
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        // The user information ends at the last '@' before the path: a password must percent-encode
        // '@', '/' and '?' (as libpq requires), an unencoded '@' in it still parses as intended.
        int at = rest.lastIndexOf('@');
        String userInfo = at >= 0 ? rest.substring(0, at) : null;
        String afterUser = at >= 0 ? rest.substring(at + 1) : rest;
        int slash = afterUser.indexOf('/');
        String hostPort = slash >= 0 ? afterUser.substring(0, slash) : afterUser;
        String path = slash >= 0 ? afterUser.substring(slash + 1) : "";

        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(raw, colon >= 0 ? userInfo.substring(0, colon) : userInfo, "the user name");
            password = colon >= 0 ? decode(raw, userInfo.substring(colon + 1), "the password") : null;
        }

        if (hostPort.isEmpty()) {
            throw bad(raw, "no host (expected …@host:port/dbname)");
        }
        if (hostPort.indexOf(',') >= 0) {
            throw bad(raw, "several hosts are not supported: give one host (a load balancer or a single primary)");
        }
        String host = hostPort;
        int port = DEFAULT_PORT;
        int portColon = hostPort.startsWith("[") ? hostPort.indexOf(':', hostPort.indexOf(']') + 1) : hostPort.lastIndexOf(':');
        if (portColon >= 0) {
            host = hostPort.substring(0, portColon);
            port = port(raw, hostPort.substring(portColon + 1));
        }
        if (!HOST.matcher(host).matches()) {
            throw bad(raw, "the host is not a host name, an IPv4 address or a bracketed IPv6 address");
        }

        if (path.isEmpty()) {
            throw bad(raw, "no database name (expected …/dbname after the host)");
        }
        if (!NAME_PART.matcher(path).matches()) {
            throw bad(raw, "the database name must be one path segment (no '/')");
        }
        String database = decode(raw, path, "the database name");

        Map<String, String> params = new LinkedHashMap<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                int eq = pair.indexOf('=');
                if (pair.isEmpty() || eq <= 0) {
                    throw bad(raw, "the query must be name=value pairs joined by '&'");
                }
                String name = decode(raw, pair.substring(0, eq), "a parameter name");
                String val = decode(raw, pair.substring(eq + 1), "a parameter value");
                if (params.containsKey(name) || (name.equals("user") && user != null)
                        || (name.equals("password") && password != null)) {
                    throw bad(raw, "the parameter '" + name + "' is given twice");
                }
                params.put(name, val);
            }
        }
        // The JDBC form carries the credentials as parameters; both forms end up with them here.
        if (params.containsKey("user")) {
            user = params.remove("user");
        }
        if (params.containsKey("password")) {
            password = params.remove("password");
        }
        if (user == null || user.isEmpty()) {
            throw bad(raw, "no user (expected postgresql://user@host/dbname, or ?user=… in the jdbc: form)");
        }
        if (password == null && passwordFallback != null && !passwordFallback.isEmpty()) {
            password = passwordFallback;
        }
        return new PgUrl(user, password, host, port, database, params);
    }

    private static int port(String raw, String text) {
        if (!text.matches("[0-9]{1,5}")) {
            throw bad(raw, "the port is not a number from 1 to 65535");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw bad(raw, "the port is not a number from 1 to 65535");
        }
        return port;
    }

    private static String decode(String raw, String part, String what) {
        try {
            // URLDecoder turns '+' into a space (form encoding); a URL's '+' is itself.
            return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad(raw, what + " has a broken percent-encoding (expected %XX with two hex digits)");
        }
    }

    private static IllegalArgumentException bad(String raw, String why) {
        return new IllegalArgumentException("PENIA_DB: not a usable PostgreSQL URL (" + why + "): " + redact(raw));
    }

    /**
     * The given URL text with any password replaced by {@code ***}: the user information's part after the
     * first ':' up to the last '@' before the path, and {@code password=} parameters. Used on text that has
     * not parsed, so it redacts generously.
     */
    static String redact(String raw) {
        String text = PASSWORD_PARAM.matcher(raw).replaceAll("$1" + REDACTED);
        int scheme = text.indexOf("://");
        if (scheme < 0) {
            return text;
        }
        int start = scheme + 3;
        int q = text.indexOf('?', start);
        int end = q >= 0 ? q : text.length();
        int at = text.lastIndexOf('@', end - 1);
        if (at < start) {
            return text;
        }
        int colon = text.indexOf(':', start);
        if (colon < 0 || colon > at) {
            return text;
        }
        return text.substring(0, colon + 1) + REDACTED + text.substring(at);
    }

    public String user() {
        return user;
    }

    /** The password, or null for none. Never log it. */
    public String password() {
        return password;
    }

    public boolean hasPassword() {
        return password != null;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    /** The query parameters other than user and password, in their order. */
    public Map<String, String> params() {
        return params;
    }

    /** The JDBC URL without credentials (they go to the driver as properties: see {@link #properties()}). */
    public String jdbcUrl() {
        StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
                .append(encode(database));
        char sep = '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            sb.append(sep).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
            sep = '&';
        }
        return sb.toString();
    }

    /** The driver's connection properties: user, password when there is one. */
    public Properties properties() {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        return props;
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The URL in libpq's form, the password (if any) shown as {@code ***}: safe to log. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("postgresql://").append(encode(user));
        if (password != null) {
            sb.append(':').append(REDACTED);
        }
        sb.append('@').append(host).append(':').append(port).append('/').append(encode(database));
        char sep = '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            sb.append(sep).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
            sep = '&';
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgUrl u && user.equals(u.user) && java.util.Objects.equals(password, u.password)
                && host.equals(u.host) && port == u.port && database.equals(u.database) && params.equals(u.params);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(user, host, port, database, params);
    }
}
