package io.tekton.penia.engine;

import io.tekton.penia.engine.store.LedgerStore;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Optional;

/**
 * Whether a time zone puts every period boundary on the 15-minute grid of the rollups.
 * Counters are rebuilt at start (and at each period change) from 15-minute rollups, so a
 * boundary inside a bucket would count that bucket's records on both sides: figures live and
 * after a restart would differ. Hour, day, week and month boundaries are whole hours of the
 * wall clock, on the grid when the zone's UTC offset is a multiple of 15 minutes; a day that
 * begins in a DST gap begins at the transition, which must then be on the grid too.
 *
 * <p>Checked for 2000 through 2099, the instants Penia's clock (and so its current periods)
 * can take: Africa/Monrovia (-00:44:30 until 1972) is fine, a fixed {@code +00:07} is not.
 */
public final class ZoneGrid {
    static final Instant FROM = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant TO = Instant.parse("2100-01-01T00:00:00Z");

    private ZoneGrid() {
    }

    /** Why {@code zone} cannot be used, or empty when every period boundary is on the grid. */
    public static Optional<String> problem(ZoneId zone) {
        ZoneRules rules = zone.getRules();
        ZoneOffset first = rules.getOffset(FROM);
        if (!onGrid(first.getTotalSeconds())) {
            return Optional.of(offGrid(first, FROM));
        }
        for (ZoneOffsetTransition tr = rules.nextTransition(FROM); tr != null && tr.getInstant().isBefore(TO);
             tr = rules.nextTransition(tr.getInstant())) {
            if (!onGrid(tr.getOffsetAfter().getTotalSeconds())) {
                return Optional.of(offGrid(tr.getOffsetAfter(), tr.getInstant()));
            }
            if (tr.isGap() && skipsMidnight(tr) && !onGrid(tr.getInstant().getEpochSecond())) {
                return Optional.of("a day begins at the DST transition " + tr.getInstant()
                        + ", which is not on a 15-minute mark of UTC");
            }
        }
        return Optional.empty();
    }

    private static boolean onGrid(long seconds) {
        return Math.floorMod(seconds, LedgerStore.BUCKET_SECONDS) == 0;
    }

    /** True when the local times the gap skips include a midnight (the day then starts at the transition). */
    private static boolean skipsMidnight(ZoneOffsetTransition tr) {
        LocalDateTime before = tr.getDateTimeBefore();
        LocalDateTime midnight = before.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) ? before
                : before.toLocalDate().plusDays(1).atStartOfDay();
        return midnight.isBefore(tr.getDateTimeAfter());
    }

    private static String offGrid(ZoneOffset off, Instant from) {
        return "its UTC offset " + off + (from.equals(FROM) ? "" : " (from " + from + ")")
                + " is not a multiple of 15 minutes; hour and day boundaries must fall on the 15-minute"
                + " rollups that counters are rebuilt from";
    }
}
