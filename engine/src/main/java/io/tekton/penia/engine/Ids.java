package io.tekton.penia.engine;

import java.security.SecureRandom;

/** Time-ordered, unguessable identifiers: a prefix, 10 chars of time, 12 of randomness. */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String next(String prefix, long epochMillis) {
        char[] out = new char[22];
        long t = epochMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        long r = RANDOM.nextLong();
        for (int i = 10; i < 22; i++) {
            out[i] = ALPHABET[(int) (r & 31)];
            r >>>= 5;
        }
        return prefix + "_" + new String(out);
    }
}
