package io.tekton.penia.engine.model;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Locale;
import java.util.Optional;

/**
 * A budget period with calendar boundaries in a time zone: hours, days, ISO weeks
 * (starting Monday) and months. Boundaries are computed on the local calendar, so a day
 * that has 23 or 25 hours because of a DST change is still exactly one day.
 */
public enum Period implements WireName {
    HOURLY, DAILY, WEEKLY, MONTHLY;

    /** The period with this name in any case ({@code daily}, {@code DAILY}); empty for null or any other text. */
    public static Optional<Period> parse(String s) {
        return WireName.parse(Period.class, s == null ? null : s.toLowerCase(Locale.ROOT));
    }

    /** The first instant of the period that contains {@code t}. */
    public Instant start(Instant t, ZoneId zone) {
        if (this == HOURLY) {
            return hourStart(t, zone.getRules());
        }
        ZonedDateTime z = t.atZone(zone);
        ZonedDateTime s = switch (this) {
            case HOURLY -> throw new AssertionError("handled above");
            case DAILY -> z.toLocalDate().atStartOfDay(zone);
            case WEEKLY -> z.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone);
            case MONTHLY -> z.toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
        };
        return s.toInstant();
    }

    /** The first instant after the period that contains {@code t} (exclusive end). */
    public Instant end(Instant t, ZoneId zone) {
        if (this == HOURLY) {
            return hourEnd(t, zone.getRules());
        }
        Instant start = start(t, zone);
        ZonedDateTime s = start.atZone(zone);
        return switch (this) {
            case HOURLY -> throw new AssertionError("handled above");
            case DAILY -> s.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
            case WEEKLY -> s.toLocalDate().plusWeeks(1).atStartOfDay(zone).toInstant();
            case MONTHLY -> s.toLocalDate().plusMonths(1).atStartOfDay(zone).toInstant();
        };
    }

    /*
     * Hours. An hour starts at each instant where the wall clock, at the offset in force at that
     * instant, shows a whole hour (hh:00:00). These instants tile time in every zone: the repeated
     * hour of a one-hour fall-back is two distinct hours (as the clock on the wall shows), and
     * around a 30-minute shift (Australia/Lord_Howe) the hour that holds the shift lasts 90
     * minutes, because the wall clock shows a whole hour only once in it. (Truncating the local
     * time instead left instants in no hour on a 30-minute fall-back and made two hours overlap
     * on the spring-forward.) With offsets that are multiples of 15 minutes every hour boundary
     * is a 15-minute bucket boundary, which the counters' rebuild from rollups relies on.
     */

    /** The latest whole-hour instant at or before {@code t}. */
    private static Instant hourStart(Instant t, ZoneRules rules) {
        Instant x = t;
        while (true) {
            ZoneOffset off = rules.getOffset(x);
            Instant floor = floorHour(x, off);
            // The latest transition at or before x: before it the offset was another one.
            ZoneOffsetTransition prev = rules.previousTransition(x.plusNanos(1));
            if (prev == null || !floor.isBefore(prev.getInstant())) {
                return floor;
            }
            // No whole hour in [transition, x] at this offset (nor at the transition itself, or the
            // floor would be it): look before the transition.
            x = prev.getInstant().minusNanos(1);
        }
    }

    /** The earliest whole-hour instant after {@code t}. */
    private static Instant hourEnd(Instant t, ZoneRules rules) {
        Instant x = t;
        while (true) {
            ZoneOffset off = rules.getOffset(x);
            Instant next = floorHour(x, off).plusSeconds(3600);
            ZoneOffsetTransition tr = rules.nextTransition(x);
            if (tr == null || next.isBefore(tr.getInstant())) {
                return next;
            }
            Instant at = tr.getInstant();
            if (floorHour(at, tr.getOffsetAfter()).equals(at)) {
                return at;
            }
            x = at;
        }
    }

    /** The whole hour of the wall clock at offset {@code off} that {@code t} falls in, as an instant. */
    private static Instant floorHour(Instant t, ZoneOffset off) {
        long local = t.getEpochSecond() + off.getTotalSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(local, 3600) * 3600 - off.getTotalSeconds());
    }

    /** The window [start, end) of the period containing {@code t}. */
    public Window window(Instant t, ZoneId zone) {
        return new Window(start(t, zone), end(t, zone));
    }

    /** A half-open time window. */
    public record Window(Instant start, Instant end) {
        public Window {
            if (!start.isBefore(end)) {
                throw new IllegalArgumentException("window start " + start + " must be before end " + end);
            }
        }

        public boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }
}
