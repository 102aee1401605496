package io.tekton.penia.engine.forecast;

import java.time.Instant;
import java.time.ZoneId;

/**
 * The hourly spend profile of one budget's scope, learned incrementally: exponentially
 * weighted means of the spend of each hour of the week (168 slots) and of each hour of the
 * day (24 slots), a recent level, and the ratio of recent actual to profile-expected spend
 * (which carries growth and leaks the slowly-moving slots lag behind).
 *
 * <p>A usage record costs one comparison and one addition ({@link #add}); the slots are
 * updated once per closed hour. A forecast walks the remaining hours of the period (at most
 * 744 for a month) and is made on the periodic evaluation and when a summary is read.
 */
public final class SpendProfile {
    private static final int WEEK_HOURS = 168;
    private static final int DAY_HOURS = 24;
    /** Weight of a new observation of one hour-of-week slot (about the last 3 weeks count). */
    private static final double ALPHA_WEEK = 0.3;
    /** Weight of a new observation of one hour-of-day slot (about the last 4 days count). */
    private static final double ALPHA_DAY = 0.25;
    /** Recent level: half-life 6 hours. */
    private static final double ALPHA_LEVEL = 1 - Math.pow(0.5, 1 / 6.0);
    /** Actual-to-expected ratio: half-life 12 hours. */
    private static final double ALPHA_RATIO = 1 - Math.pow(0.5, 1 / 12.0);
    private static final double ALPHA_VAR = 0.05;
    private static final double RATIO_CLIP_LOW = 0.75;
    private static final double RATIO_CLIP_HIGH = 1.33;
    /** z of the 10th and 90th percentiles: the 80 % interval. */
    private static final double Z80 = 1.2816;
    /** Relative uncertainty of the level itself until 3 days have measured it, added to the summed hourly noise. */
    private static final double LEVEL_UNCERTAINTY = 0.10;
    /** The measured level uncertainty is taken as at least this. */
    private static final double MIN_LEVEL_UNCERTAINTY = 0.02;
    /** Weight of one day's relative error in the level uncertainty. */
    private static final double ALPHA_DAY_ERROR = 0.2;
    /** A silent gap longer than this is fed as this many empty hours. */
    private static final int MAX_GAP_HOURS = 2 * WEEK_HOURS;

    private final ZoneId zone;
    private long hour = Long.MIN_VALUE;
    private long hourMicros;
    private final double[] week = new double[WEEK_HOURS];
    private final boolean[] weekSeen = new boolean[WEEK_HOURS];
    private final double[] day = new double[DAY_HOURS];
    private final boolean[] daySeen = new boolean[DAY_HOURS];
    private double level;
    private double ratioActual;
    private double ratioExpected;
    private double residualVar;
    private long hoursSeen;
    /** The current local day's actual and predicted spend, and how far whole days missed (relative, squared). */
    private double dayActual;
    private double dayPredicted;
    private double dayErrorVar;
    private int daysMeasured;

    public SpendProfile(ZoneId zone) {
        this.zone = zone;
    }

    /** Adds spend at a time: the hot path, one comparison and one addition in the common case. */
    public void add(long epochSecond, long micros) {
        long h = Math.floorDiv(epochSecond, 3600);
        if (h == hour) {
            hourMicros += micros;
        } else if (h > hour) {
            advance(h);
            hourMicros += micros;
        } else if (hour - h <= 1) {
            // A little late (clock skew, a slow client): counted in the current hour.
            hourMicros += micros;
        }
        // Older back-dated usage counts in the period's spend but not in the profile.
    }

    /** Closes the hours before the one that contains {@code epochSecond}. */
    public void advanceTo(long epochSecond) {
        long h = Math.floorDiv(epochSecond, 3600);
        if (h > hour) {
            advance(h);
        }
    }

    public long hoursSeen() {
        return hoursSeen;
    }

    private void advance(long h) {
        if (hour == Long.MIN_VALUE) {
            hour = h;
            return;
        }
        observe(hour, hourMicros);
        hourMicros = 0;
        long gap = Math.min(h - hour - 1, MAX_GAP_HOURS);
        for (long i = 1; i <= gap; i++) {
            observe(h - gap - 1 + i, 0);
        }
        hour = h;
    }

    private int offsetSeconds(long epochSecond) {
        return zone.getRules().getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
    }

    private static int weekSlot(long localHour) {
        long d = Math.floorDiv(localHour, DAY_HOURS);
        // Epoch day 0 was a Thursday: slot 0 is Monday 00:00.
        return (int) (Math.floorMod(d + 3, 7) * DAY_HOURS + Math.floorMod(localHour, DAY_HOURS));
    }

    private void observe(long h, double x) {
        long local = Math.floorDiv(h * 3600 + offsetSeconds(h * 3600), 3600);
        int w = weekSlot(local);
        int d = w % DAY_HOURS;
        if (hoursSeen >= DAY_HOURS) {
            double expected = raw(w, d);
            double predicted = expected * ratio();
            // Clipped near the prediction: a runaway of an hour or two must not lift the whole
            // period's projection, while a leak (a few percent an hour) passes unclipped.
            double xc = predicted > 0 ? Math.max(predicted * RATIO_CLIP_LOW, Math.min(x, predicted * RATIO_CLIP_HIGH)) : x;
            ratioActual += ALPHA_RATIO * (xc - ratioActual);
            ratioExpected += ALPHA_RATIO * (expected - ratioExpected);
            double e = x - predicted;
            residualVar += ALPHA_VAR * (e * e - residualVar);
            dayActual += x;
            dayPredicted += predicted;
            if (d == DAY_HOURS - 1) {
                closeDay();
            }
        }
        week[w] = weekSeen[w] ? week[w] + ALPHA_WEEK * (x - week[w]) : x;
        weekSeen[w] = true;
        day[d] = daySeen[d] ? day[d] + ALPHA_DAY * (x - day[d]) : x;
        daySeen[d] = true;
        level = hoursSeen == 0 ? x : level + ALPHA_LEVEL * (x - level);
        if (hoursSeen < DAY_HOURS) {
            // Until the profile has a day the level is the forecast: its squared errors are the noise.
            residualVar = hoursSeen == 0 ? 0 : residualVar + ALPHA_VAR * ((x - level) * (x - level) - residualVar);
        }
        hoursSeen++;
    }

    /** A local day ended: how far its prediction (hour by hour) missed the day's spend. */
    private void closeDay() {
        if (dayPredicted > 0) {
            double r = (dayActual - dayPredicted) / dayPredicted;
            dayErrorVar = daysMeasured == 0 ? r * r : dayErrorVar + ALPHA_DAY_ERROR * (r * r - dayErrorVar);
            daysMeasured++;
        }
        dayActual = 0;
        dayPredicted = 0;
    }

    /**
     * The relative uncertainty of the level over the rest of the period: the measured miss of
     * whole days (taken as persisting, so not shrunk by the number of days), or a fixed 10 %
     * until three days have been measured.
     */
    private double levelUncertainty() {
        if (daysMeasured < 3) {
            return LEVEL_UNCERTAINTY;
        }
        return Math.max(MIN_LEVEL_UNCERTAINTY, Math.sqrt(dayErrorVar));
    }

    /** The profile's expected spend of an hour, before the recent ratio. */
    private double raw(int w, int d) {
        if (hoursSeen >= WEEK_HOURS && weekSeen[w]) {
            return week[w];
        }
        if (hoursSeen >= DAY_HOURS && daySeen[d]) {
            return day[d];
        }
        return level;
    }

    private double ratio() {
        if (hoursSeen < DAY_HOURS || ratioExpected <= 0) {
            return 1;
        }
        return Math.max(0.1, Math.min(50, ratioActual / ratioExpected));
    }

    private String method() {
        if (hoursSeen >= WEEK_HOURS) {
            return "seasonal_weekly";
        }
        return hoursSeen >= DAY_HOURS ? "seasonal_daily" : "recent_rate";
    }

    /**
     * Projects the period [start, end) at {@code now}, given the period's spend so far and
     * the amount at which the stop threshold is reached.
     */
    public Forecast forecast(Instant now, Instant start, Instant end, long spentMicros, long stopMicros) {
        long nowS = now.getEpochSecond();
        advanceTo(nowS);
        long endS = end.getEpochSecond();
        if (hoursSeen < 3) {
            return periodRate(nowS, start.getEpochSecond(), endS, spentMicros, stopMicros);
        }
        int offset = offsetSeconds(nowS);
        double ratio = ratio();
        double cum = 0;
        double hours = 0;
        Instant stopAt = spentMicros >= stopMicros ? now : null;
        long t = nowS;
        while (t < endS) {
            long h = Math.floorDiv(t, 3600);
            long next = Math.min((h + 1) * 3600, endS);
            double frac = (next - t) / 3600.0;
            int w = weekSlot(Math.floorDiv(h * 3600 + offset, 3600));
            double e = raw(w, w % DAY_HOURS) * ratio * frac;
            if (stopAt == null && e > 0 && spentMicros + cum + e >= stopMicros) {
                double need = stopMicros - spentMicros - cum;
                stopAt = Instant.ofEpochSecond(t + (long) Math.ceil((next - t) * need / e));
            }
            cum += e;
            hours += frac;
            t = next;
        }
        double sigma = Math.sqrt(hours * Math.max(0, residualVar)) + levelUncertainty() * cum;
        long expected = spentMicros + Math.round(cum);
        long low = spentMicros + Math.max(0, Math.round(cum - Z80 * sigma));
        long high = spentMicros + Math.round(cum + Z80 * sigma);
        return new Forecast(expected, low, high, stopAt, method(), hoursSeen);
    }

    /** Too little history: the period's own burn rate so far, with a wide interval. */
    private Forecast periodRate(long nowS, long startS, long endS, long spent, long stop) {
        long elapsed = Math.max(0, nowS - startS);
        long left = Math.max(0, endS - nowS);
        if (elapsed < 60) {
            return new Forecast(spent, spent, spent, spent >= stop ? Instant.ofEpochSecond(nowS) : null, "period_rate",
                    hoursSeen);
        }
        double rate = (double) spent / elapsed;
        double rest = rate * left;
        Instant stopAt = spent >= stop ? Instant.ofEpochSecond(nowS)
                : rate > 0 && (stop - spent) / rate <= left ? Instant.ofEpochSecond(nowS + (long) Math.ceil((stop - spent) / rate))
                : null;
        return new Forecast(spent + Math.round(rest), spent + Math.round(rest * 0.5), spent + Math.round(rest * 1.5),
                stopAt, "period_rate", hoursSeen);
    }
}
