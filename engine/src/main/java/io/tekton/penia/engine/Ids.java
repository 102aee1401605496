package io.tekton.penia.engine;

import java.security.SecureRandom;
import java.util.concurrent.locks.ReentrantLock;

/** Time-ordered, unguessable identifiers: a prefix, 10 chars of time, 12 of randomness. */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Random bytes drawn from {@link #RANDOM} 4 KB at a time: one call per id cost a lock, a
     * read of /dev/urandom and a SHA-1 mix (5 % of a record's request CPU in a JFR profile);
     * a refill spreads that over 512 ids. Guarded by {@link #POOL_LOCK}.
     */
    private static final byte[] POOL = new byte[4096];
    private static final ReentrantLock POOL_LOCK = new ReentrantLock();
    private static int poolNext = POOL.length;

    private Ids() {
    }

    public static String next(String prefix, long epochMillis) {
        char[] out = new char[22];
        long t = epochMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        long r = randomLong();
        for (int i = 10; i < 22; i++) {
            out[i] = ALPHABET[(int) (r & 31)];
            r >>>= 5;
        }
        return prefix + "_" + new String(out);
    }

    private static long randomLong() {
        POOL_LOCK.lock();
        try {
            if (poolNext + Long.BYTES > POOL.length) {
                RANDOM.nextBytes(POOL);
                poolNext = 0;
            }
            long r = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                r = r << 8 | (POOL[poolNext + i] & 0xff);
            }
            // Each byte is handed out once.
            poolNext += Long.BYTES;
            return r;
        } finally {
            POOL_LOCK.unlock();
        }
    }
}
