package io.tekton.penia.engine.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: in every zone of the JDK's tz database, around every transition of 2026-2028, the
 * periods of each kind tile time: the period containing t contains t, the next period starts
 * exactly where this one ends (so no overlap and no gap), and every instant of a period maps
 * back to that same period.
 */
class PeriodTilingTest {
    private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2029-01-01T00:00:00Z");
    private static final long[] AROUND_SECONDS = {-7200, -5400, -3600, -2700, -1800, -900, -1, 0, 1, 900, 1800, 2700,
            3600, 5400, 7200, 86_400};

    @Test
    void everyZone_everyTransition2026to2028_periodsTile() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String id : new TreeSet<>(ZoneId.getAvailableZoneIds())) {
            ZoneId zone = ZoneId.of(id);
            ZoneRules rules = zone.getRules();
            List<Instant> probes = new ArrayList<>();
            for (ZoneOffsetTransition tr = rules.nextTransition(FROM); tr != null && tr.getInstant().isBefore(TO);
                 tr = rules.nextTransition(tr.getInstant())) {
                for (long d : AROUND_SECONDS) {
                    probes.add(tr.getInstant().plusSeconds(d));
                }
                probes.add(tr.getInstant().minusNanos(1));
            }
            probes.add(Instant.parse("2027-06-15T10:07:31Z")); // zones without transitions too
            for (Instant t : probes) {
                for (Period p : Period.values()) {
                    checked++;
                    String f = tile(p, t, zone);
                    if (f != null && failures.size() < 50) {
                        failures.add(id + " " + p + " at " + t + ": " + f);
                    }
                }
            }
        }
        assertThat(failures).as("%d checks", checked).isEmpty();
        assertThat(checked).isGreaterThan(10_000);
    }

    /** The first broken property of the period of kind {@code p} containing {@code t}, or null. */
    private static String tile(Period p, Instant t, ZoneId zone) {
        Instant s = p.start(t, zone);
        Instant e = p.end(t, zone);
        if (s.isAfter(t) || !e.isAfter(t)) {
            return "[" + s + ", " + e + ") does not contain it";
        }
        if (!p.start(e, zone).equals(e)) {
            return "the next period starts at " + p.start(e, zone) + ", not at this one's end " + e;
        }
        if (!p.end(s.minusNanos(1), zone).equals(s)) {
            return "the previous period ends at " + p.end(s.minusNanos(1), zone) + ", not at this one's start " + s;
        }
        Instant last = e.minusNanos(1);
        if (!p.start(last, zone).equals(s) || !p.end(last, zone).equals(e)
                || !p.start(s, zone).equals(s) || !p.end(s, zone).equals(e)) {
            return "its first and last instants map to other periods";
        }
        Duration len = Duration.between(s, e);
        if (p == Period.HOURLY && (len.compareTo(Duration.ofMinutes(30)) < 0 || len.compareTo(Duration.ofHours(2)) > 0)) {
            return "an hour of " + len;
        }
        return null;
    }

    @Test
    void lordHowe_halfHourShifts_hoursAroundThem() {
        ZoneId lh = ZoneId.of("Australia/Lord_Howe");
        // Fall-back 2027-04-03T15:00Z (02:00 +11 -> 01:30 +10:30): 01:00-02:00 and the repeated 01:30-02:00 are one hour.
        Period.Window fall = Period.HOURLY.window(Instant.parse("2027-04-03T15:10:00Z"), lh);
        assertThat(fall.start()).isEqualTo(Instant.parse("2027-04-03T14:00:00Z"));
        assertThat(fall.end()).isEqualTo(Instant.parse("2027-04-03T15:30:00Z"));
        // Spring-forward 2027-10-02T15:30Z (02:00 +10:30 -> 02:30 +11): 01:00-02:00 and 02:30-03:00 are one hour.
        Period.Window spring = Period.HOURLY.window(Instant.parse("2027-10-02T15:40:00Z"), lh);
        assertThat(spring.start()).isEqualTo(Instant.parse("2027-10-02T14:30:00Z"));
        assertThat(spring.end()).isEqualTo(Instant.parse("2027-10-02T16:00:00Z"));
        assertThat(Period.HOURLY.window(Instant.parse("2027-10-02T16:00:00Z"), lh).start())
                .isEqualTo(Instant.parse("2027-10-02T16:00:00Z"));
    }
}
