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
    /** Tens and ones digits of 0-99. */
    private static final byte[] TENS = new byte[100];
    private static final byte[] ONES = new byte[100];

    static {
        for (int i = 0; i < 100; i++) {
            TENS[i] = (byte) ('0' + i / 10);
            ONES[i] = (byte) ('0' + i % 10);
        }
    }

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
        return ascii(Long.toString(v));
    }

    /** Room for any long as micro-dollars: sign, 13 whole digits, point, 6 places, and spare. */
    private static final int USD_BYTES = 28;
    private final byte[] digits = new byte[USD_BYTES];

    /** Micro-dollars as a plain decimal with at most six places and no trailing zeros ("12.5", "0", "-3"). */
    JsonBytes usd(long micros) {
        byte[] d = digits;
        int i = d.length;
        // Digits of the absolute value as a negative number, so that Long.MIN_VALUE works too.
        long neg = micros > 0 ? -micros : micros;
        int frac = (int) -(neg % 1_000_000);
        long whole = neg / 1_000_000;
        if (frac != 0) {
            int places = 6;
            while (frac % 10 == 0) {
                frac /= 10;
                places--;
            }
            for (int k = 0; k < places; k++) {
                d[--i] = (byte) ('0' + frac % 10);
                frac /= 10;
            }
            d[--i] = '.';
        }
        while (whole <= -100) {
            int two = (int) -(whole % 100);
            whole /= 100;
            d[--i] = ONES[two];
            d[--i] = TENS[two];
        }
        if (whole <= -10) {
            int two = (int) -whole;
            d[--i] = ONES[two];
            d[--i] = TENS[two];
        } else {
            d[--i] = (byte) ('0' - whole);
        }
        if (micros < 0) {
            d[--i] = '-';
        }
        ensure(d.length - i);
        System.arraycopy(d, i, buf, n, d.length - i);
        n += d.length - i;
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
        byte[] out = buf;
        int at = n;
        out[at++] = '"';
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                out[at++] = (byte) c;
            } else {
                n = at;
                rest(s.substring(i));
                return raw('"');
            }
        }
        out[at++] = '"';
        n = at;
        return this;
    }

    /**
     * The rest of a string from its first character that is not plain ASCII: as UTF-8, where
     * only bytes below 0x20 and '"' and '\\' need escaping (bytes of multi-byte characters are
     * all negative).
     */
    private void rest(String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            if (needsEscape(b)) {
                escape((char) b);
            } else {
                ensure(1);
                buf[n++] = b;
            }
        }
    }

    private static boolean needsEscape(byte b) {
        return b >= 0 && (b < 0x20 || b == '"' || b == '\\');
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
