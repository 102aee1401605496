package io.tekton.penia.engine.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

class PeriodTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void monthly_lastMicroOfMonth_belongsToThatMonth_andNextInstantStartsTheNext() {
        Instant last = Instant.parse("2026-11-30T23:59:59.999999Z");
        assertThat(Period.MONTHLY.start(last, UTC)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(Period.MONTHLY.end(last, UTC)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(Period.MONTHLY.start(Instant.parse("2026-12-01T00:00:00Z"), UTC))
                .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Test
    void monthly_february_inLeapYear_has29Days() {
        Instant t = Instant.parse("2028-02-15T12:00:00Z");
        assertThat(Duration.between(Period.MONTHLY.start(t, UTC), Period.MONTHLY.end(t, UTC)).toDays()).isEqualTo(29);
    }

    @Test
    void monthly_inBerlin_startsAtLocalMidnight() {
        Instant t = Instant.parse("2026-11-30T23:30:00Z"); // 00:30 on Dec 1 in Berlin
        assertThat(Period.MONTHLY.start(t, BERLIN)).isEqualTo(Instant.parse("2026-11-30T23:00:00Z"));
    }

    @Test
    void weekly_isIsoWeek_startingMonday() {
        Instant sunday = Instant.parse("2026-11-29T23:59:59Z");
        assertThat(Period.WEEKLY.start(sunday, UTC)).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(Period.WEEKLY.end(sunday, UTC)).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        Instant monday = Instant.parse("2026-11-30T00:00:00Z");
        assertThat(Period.WEEKLY.start(monday, UTC)).isEqualTo(monday);
    }

    @Test
    void weekly_acrossYearEnd_followsIsoWeek() {
        Instant t = Instant.parse("2027-01-01T10:00:00Z"); // a Friday; ISO week starts Mon Dec 28
        assertThat(Period.WEEKLY.start(t, UTC)).isEqualTo(Instant.parse("2026-12-28T00:00:00Z"));
    }

    @Test
    void daily_onDstFallBack_is25HoursLong() {
        Instant t = Instant.parse("2026-10-25T12:00:00Z");
        Period.Window w = Period.DAILY.window(t, BERLIN);
        assertThat(w.start()).isEqualTo(Instant.parse("2026-10-24T22:00:00Z"));
        assertThat(w.end()).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
        assertThat(Duration.between(w.start(), w.end()).toHours()).isEqualTo(25);
    }

    @Test
    void daily_onDstSpringForward_is23HoursLong() {
        Period.Window w = Period.DAILY.window(Instant.parse("2026-03-29T12:00:00Z"), BERLIN);
        assertThat(Duration.between(w.start(), w.end()).toHours()).isEqualTo(23);
    }

    @Test
    void hourly_repeatedFallBackHour_isTwoDistinctHours() {
        Instant first = Instant.parse("2026-10-25T00:30:00Z");  // 02:30 CEST
        Instant second = Instant.parse("2026-10-25T01:30:00Z"); // 02:30 CET
        assertThat(Period.HOURLY.start(first, BERLIN)).isNotEqualTo(Period.HOURLY.start(second, BERLIN));
        assertThat(Period.HOURLY.end(first, BERLIN)).isEqualTo(Period.HOURLY.start(second, BERLIN));
    }

    @Test
    void halfHourZone_dailyBoundary_fallsOnA15MinuteBucket() {
        ZoneId india = ZoneId.of("Asia/Kolkata");
        ZoneId nepal = ZoneId.of("Asia/Kathmandu");
        Instant t = Instant.parse("2026-11-23T12:00:00Z");
        assertThat(Period.DAILY.start(t, india).getEpochSecond() % 900).isZero();
        assertThat(Period.DAILY.start(t, nepal).getEpochSecond() % 900).isZero();
    }
}
