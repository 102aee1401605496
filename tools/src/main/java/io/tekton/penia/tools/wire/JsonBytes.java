package io.tekton.penia.tools.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON text written straight into a byte array: the answers on every LLM call's path (a
 * check, a recorded usage). Field names come pre-encoded; strings are escaped as Jackson
 * escapes them ({@code "}, {@code \}, and control characters; everything else as UTF-8), so
 * the text is the same as the generator wrote it before. In profiles the Jackson path
 * (serializer look-up, generator, buffer recycling, copy out) was most of a check answer's cost.
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    private byte[] buf;
    private int n;

    JsonBytes(int capacity) {
        buf = new byte[capacity];
    }

    /** A field name as written after '{' or ',': {@code "name":}. */
    static byte[] name(String name) {
        return ("\"" + name + "\":").getBytes(StandardCharsets.UTF_8);
    }

    JsonBytes raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
        return this;
    }

    JsonBytes raw(char c) {
        ensure(1);
        buf[n++] = (byte) c;
        return this;
    }

    /** {@code ,} unless first, then the pre-encoded name. */
    JsonBytes field(byte[] name, boolean first) {
        if (!first) {
            raw(',');
        }
        return raw(name);
    }

    JsonBytes nul() {
        return raw(NULL);
    }

    JsonBytes bool(boolean b) {
        return raw(b ? TRUE : FALSE);
    }

    JsonBytes num(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii(Long.toString(v));
        }
        ensure(20);
        if (v < 0) {
            buf[n++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = n + digits - 1; i >= n; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        n += digits;
        return this;
    }

    /** Characters known to be ASCII (numbers, timestamps). */
    JsonBytes ascii(char[] chars, int from, int len) {
        ensure(len);
        for (int i = 0; i < len; i++) {
            buf[n++] = (byte) chars[from + i];
        }
        return this;
    }

    JsonBytes ascii(String s) {
        int len = s.length();
        ensure(len);
        for (int i = 0; i < len; i++) {
            buf[n++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** A quoted string, or {@code null}. */
    JsonBytes str(String s) {
        if (s == null) {
            return nul();
        }
        int len = s.length();
        ensure(len + 2);
        buf[n++] = '"';
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                ensure(1);
                buf[n++] = (byte) c;
            } else if (c < 0x80) {
                escape(c);
            } else {
                // The rest of the string as UTF-8 (escaping what needs it), then done.
                rest(s, i);
                break;
            }
        }
        ensure(1);
        buf[n++] = '"';
        return this;
    }

    private void rest(String s, int from) {
        for (int i = from; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                if (cp >= 0x20 && cp != '"' && cp != '\\') {
                    ensure(1);
                    buf[n++] = (byte) cp;
                } else {
                    escape((char) cp);
                }
            } else {
                raw(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void escape(char c) {
        ensure(6);
        buf[n++] = '\\';
        switch (c) {
            case '"' -> buf[n++] = '"';
            case '\\' -> buf[n++] = '\\';
            case '\n' -> buf[n++] = 'n';
            case '\r' -> buf[n++] = 'r';
            case '\t' -> buf[n++] = 't';
            case '\b' -> buf[n++] = 'b';
            case '\f' -> buf[n++] = 'f';
            default -> {
                buf[n++] = 'u';
                buf[n++] = '0';
                buf[n++] = '0';
                buf[n++] = HEX[(c >> 4) & 0xF];
                buf[n++] = HEX[c & 0xF];
            }
        }
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, n);
    }

    private void ensure(int more) {
        if (n + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
        }
    }
}
