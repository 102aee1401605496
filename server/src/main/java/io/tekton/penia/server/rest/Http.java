package io.tekton.penia.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Streamed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;

/**
 * Reading bounded JSON bodies, writing JSON, and the one error envelope, for every REST service.
 *
 * @param maxBodyBytes the largest request body read (413 above it)
 * @param maxPageSize  the largest {@code limit} a listing accepts
 */
public record Http(int maxBodyBytes, int maxPageSize) {
    /** The body as a JSON tree; 413 above the size limit, 400 for broken JSON. */
    public JsonNode json(ServerRequest req) {
        // The header's text, not headers().contentLength(): that one converts through Helidon's
        // global mapper registry, a service look-up on every call (seen in JFR profiles).
        long declared = req.headers().first(HeaderNames.CONTENT_LENGTH).map(Http::length).orElse(-1L);
        if (declared > maxBodyBytes) {
            throw tooLarge();
        }
        if (declared == BAD_LENGTH) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "Content-Length must be a non-negative integer");
        }
        byte[] body = read(req, declared);
        if (body.length == 0) {
            return null;
        }
        try {
            return Json.mapper().readTree(body);
        } catch (StreamConstraintsException e) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "JSON too deep or too long: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new PeniaException(ErrorCode.BAD_JSON, "malformed JSON: " + firstLine(e.getOriginalMessage()),
                    Map.of("line", e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                            "column", e.getLocation() == null ? 0 : e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final long BAD_LENGTH = -2;

    /** A Content-Length value; {@link #BAD_LENGTH} when it is not a non-negative number (absent: -1). */
    private static long length(String contentLength) {
        try {
            long n = Long.parseLong(contentLength.trim());
            return n < 0 ? BAD_LENGTH : n;
        } catch (NumberFormatException e) {
            return BAD_LENGTH;
        }
    }

    /** The body as strict arguments (a JSON object; an empty body is an empty object). */
    public Args args(ServerRequest req) {
        return Args.of(json(req));
    }

    private byte[] read(ServerRequest req, long declared) {
        try (InputStream in = req.content().inputStream()) {
            if (declared >= 0) {
                // Exactly the declared size (checked above): no 16 KB scratch buffer and copy per
                // request, which JFR showed as a tenth of a record's request CPU.
                return in.readNBytes((int) declared);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > maxBodyBytes) {
                    throw tooLarge();
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "could not read the request body");
        }
    }

    private PeniaException tooLarge() {
        return new PeniaException(ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + maxBodyBytes + " bytes",
                Map.of("max_bytes", maxBodyBytes));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public static void send(ServerResponse res, int status, Object body) {
        byte[] bytes;
        if (body instanceof Streamed.Answer a) {
            bytes = a.json();
        } else {
            try {
                bytes = Json.mapper().writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(bytes);
    }

    public static void ok(ServerResponse res, Object body) {
        send(res, 200, body);
    }

    public static void error(ServerResponse res, PeniaException e) {
        // A refusal to retry later (the ledger writer full, issue 18) says when, as the header too.
        if (e.details().get("retry_after_seconds") instanceof Number n) {
            res.header(HeaderNames.RETRY_AFTER, String.valueOf(n.longValue()));
        }
        send(res, e.code().httpStatus(), e.envelope());
    }

    public static String query(ServerRequest req, String name) {
        var v = req.query().first(name);
        return v.isPresent() ? v.get() : null;
    }

    /**
     * The {@code cursor} query parameter as {@code read} reads it; null when absent or empty. A cursor
     * {@code read} refuses (an IllegalArgumentException) is a 400: not a cursor this endpoint returned.
     */
    public static <T> T cursor(ServerRequest req, Function<String, T> read) {
        String c = query(req, "cursor");
        if (c == null || c.isEmpty()) {
            return null;
        }
        try {
            return read.apply(c);
        } catch (IllegalArgumentException e) {
            throw PeniaException.invalid("cursor", "not a cursor returned by this endpoint");
        }
    }

    /** An opaque cursor: {@code text} (the listing's own position format) in URL-safe base64. */
    public static String encodeCursor(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The text of an {@link #encodeCursor} cursor; an IllegalArgumentException when it is no base64. */
    public static String decodeCursor(String cursor) {
        return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    }

    public int limit(ServerRequest req, int dflt) {
        String s = query(req, "limit");
        if (s == null) {
            return Math.min(dflt, maxPageSize);
        }
        try {
            int v = Integer.parseInt(s);
            if (v < 1 || v > maxPageSize) {
                throw PeniaException.invalid("limit", "must be between 1 and " + maxPageSize);
            }
            return v;
        } catch (NumberFormatException e) {
            throw PeniaException.invalid("limit", "must be a whole number");
        }
    }

    public static Boolean boolQuery(ServerRequest req, String name) {
        String s = query(req, name);
        if (s == null) {
            return null;
        }
        return switch (s) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw PeniaException.invalid(name, "must be true or false");
        };
    }

    /** The {@code severity} filter of alert listings: info, warning or critical (absent: any). */
    public static String severityQuery(ServerRequest req) {
        String s = query(req, "severity");
        if (s != null && !s.equals("info") && !s.equals("warning") && !s.equals("critical")) {
            throw PeniaException.invalid("severity", "must be info, warning or critical");
        }
        return s;
    }

    public static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }
}
