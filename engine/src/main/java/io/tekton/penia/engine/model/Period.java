package io.tekton.penia.engine.model;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/**
 * A budget period with calendar boundaries in a time zone: hours, days, ISO weeks
 * (starting Monday) and months. Boundaries are computed on the local calendar, so a day
 * that has 23 or 25 hours because of a DST change is still exactly one day.
 */
public enum Period {
    HOURLY, DAILY, WEEKLY, MONTHLY;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in JSON (computed once: it is written on every answer). */
    public String wireName() {
        return wire;
    }

    public static Optional<Period> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (Period p : values()) {
            if (p.wireName().equals(s.toLowerCase(Locale.ROOT))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The first instant of the period that contains {@code t}. */
    public Instant start(Instant t, ZoneId zone) {
        ZonedDateTime z = t.atZone(zone);
        ZonedDateTime s = switch (this) {
            // An hour is truncated on the instant timeline, so the repeated hour of a DST
            // fall-back is two distinct hours, as the clock on the wall shows.
            case HOURLY -> z.truncatedTo(ChronoUnit.HOURS);
            case DAILY -> z.toLocalDate().atStartOfDay(zone);
            case WEEKLY -> z.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone);
            case MONTHLY -> z.toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
        };
        return s.toInstant();
    }

    /** The first instant after the period that contains {@code t} (exclusive end). */
    public Instant end(Instant t, ZoneId zone) {
        Instant start = start(t, zone);
        ZonedDateTime s = start.atZone(zone);
        return switch (this) {
            case HOURLY -> start.plus(1, ChronoUnit.HOURS);
            case DAILY -> s.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
            case WEEKLY -> s.toLocalDate().plusWeeks(1).atStartOfDay(zone).toInstant();
            case MONTHLY -> s.toLocalDate().plusMonths(1).atStartOfDay(zone).toInstant();
        };
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
