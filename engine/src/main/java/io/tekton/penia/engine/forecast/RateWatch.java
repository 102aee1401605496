package io.tekton.penia.engine.forecast;

import java.time.Instant;
import java.time.ZoneId;

/**
 * The spend rate of one component, provider, model or task type, per minute, against its own robust
 * baseline: exponentially weighted means and mean absolute deviations per hour of the week
 * and per hour of the day (and a one-hour level until those have history). Minutes that look
 * like a spike are clipped before they enter the seasonal baseline, so a runaway does not
 * teach the baseline that it is normal.
 */
final class RateWatch {
    static final int WINDOW_MINUTES = 5;
    private static final int DAY = 1440;
    private static final double ALPHA_LEVEL = 1 / 60.0;
    private static final double ALPHA_DAY = 0.01;
    private static final double ALPHA_WEEK = 0.02;
    /** The 5-minute rate must also exceed the baseline by this many (scaled) deviations. */
    private static final double DEVIATIONS = 4;
    /** A silent gap longer than this is fed as this many empty minutes. */
    private static final int MAX_GAP_MINUTES = 7 * DAY;

    private long minute = Long.MIN_VALUE;
    private long acc;
    private final long[] ring = new long[WINDOW_MINUTES];
    private int pos;
    private long windowSum;
    private double level;
    private double levelDev;
    private final double[] day = new double[24];
    private final double[] dayDev = new double[24];
    private final double[] week = new double[168];
    private final double[] weekDev = new double[168];
    private final boolean[] weekSeen = new boolean[168];
    private long minutesSeen;
    private int offsetHour = Integer.MIN_VALUE;
    private int offsetSeconds;

    /** Adds spend; returns true when a minute closed (the caller then evaluates). */
    boolean add(long epochSecond, long micros) {
        long m = Math.floorDiv(epochSecond, 60);
        if (m == minute) {
            acc += micros;
            return false;
        }
        if (m > minute) {
            boolean closed = minute != Long.MIN_VALUE;
            roll(m);
            acc += micros;
            return closed;
        }
        if (minute - m < WINDOW_MINUTES) {
            acc += micros;
        }
        return false;
    }

    /** The minute the watch is at; Long.MIN_VALUE before the first spend. */
    long minute() {
        return minute;
    }

    long minutesSeen() {
        return minutesSeen;
    }

    /** Closes the minutes before {@code m}; a spike among them is noted for {@link #check}. */
    void roll(long m) {
        if (minute == Long.MIN_VALUE) {
            minute = m;
            return;
        }
        if (m <= minute) {
            return;
        }
        close(acc);
        acc = 0;
        long gap = Math.min(m - minute - 1, MAX_GAP_MINUTES);
        for (long i = 0; i < gap; i++) {
            minute++;
            close(0);
        }
        minute = m;
    }

    private double lastBaseline;
    private double lastDeviation;

    private void close(long x) {
        windowSum += x - ring[pos];
        ring[pos] = x;
        pos = (pos + 1) % WINDOW_MINUTES;
        int w = slot(minute);
        int d = w % 24;
        double b = baseline(w, d);
        double dev = deviation(w, d);
        lastBaseline = b;
        lastDeviation = dev;
        // Clip what enters the seasonal baseline: a spike must not become the norm.
        double cap = 3 * Math.max(b, level) + 3 * dev + 1;
        double xc = minutesSeen >= 60 ? Math.min(x, cap) : x;
        if (minutesSeen == 0) {
            level = x;
        }
        level += ALPHA_LEVEL * (x - level);
        levelDev += ALPHA_LEVEL * (Math.abs(x - level) - levelDev);
        if (minutesSeen < DAY) {
            // Seed the day slots so that they start from the level, not from zero.
            day[d] = level;
            dayDev[d] = levelDev;
        } else {
            dayDev[d] += ALPHA_DAY * (Math.abs(xc - day[d]) - dayDev[d]);
            day[d] += ALPHA_DAY * (xc - day[d]);
        }
        if (!weekSeen[w]) {
            // First visit of this hour of the week: start from the hour of the day, then learn its own.
            week[w] = day[d];
            weekDev[w] = dayDev[d];
            weekSeen[w] = true;
        } else {
            weekDev[w] += ALPHA_WEEK * (Math.abs(xc - week[w]) - weekDev[w]);
            week[w] += ALPHA_WEEK * (xc - week[w]);
        }
        minutesSeen++;
    }

    private double baseline(int w, int d) {
        if (minutesSeen >= 7L * DAY) {
            return week[w];
        }
        return minutesSeen >= DAY ? day[d] : level;
    }

    private double deviation(int w, int d) {
        if (minutesSeen >= 7L * DAY) {
            return weekDev[w];
        }
        return minutesSeen >= DAY ? dayDev[d] : levelDev;
    }

    private int slot(long m) {
        long hourIdx = Math.floorDiv(m, 60);
        if (hourIdx != offsetHour) {
            offsetHour = (int) hourIdx;
            offsetSeconds = zone.getRules().getOffset(Instant.ofEpochSecond(m * 60)).getTotalSeconds();
        }
        long local = Math.floorDiv(m * 60 + offsetSeconds, 3600);
        long dayIdx = Math.floorDiv(local, 24);
        return (int) (Math.floorMod(dayIdx + 3, 7) * 24 + Math.floorMod(local, 24));
    }

    private final ZoneId zone;

    RateWatch(ZoneId zone) {
        this.zone = zone;
    }

    /**
     * The spike of the last closed minute's window, or null: at least {@code floor} spent in
     * the window, a rate of at least {@code factor} times the baseline and well above its
     * deviation, after {@code warmupMinutes} of history.
     */
    Finding check(String dimension, String value, double factor, long floor, long warmupMinutes) {
        if (minutesSeen < warmupMinutes || windowSum < floor) {
            return null;
        }
        double observed = windowSum / (double) WINDOW_MINUTES;
        double b = lastBaseline;
        if (observed < factor * b || observed - b < DEVIATIONS * lastDeviation / Math.sqrt(WINDOW_MINUTES)) {
            return null;
        }
        return new Finding(Finding.SPEND_SPIKE, dimension, value, b, observed,
                b > 0 ? observed / b : Double.POSITIVE_INFINITY, windowSum, (minute) * 60);
    }
}
