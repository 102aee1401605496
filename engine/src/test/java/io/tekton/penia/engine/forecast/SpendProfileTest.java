package io.tekton.penia.engine.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forecast's methods by history, and the anomaly watch's floor, warm-up, notices and task types. */
class SpendProfileTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Instant MONTH = Instant.parse("2027-03-01T00:00:00Z");
    private static final Instant END = Instant.parse("2027-04-01T00:00:00Z");

    @Test
    void forecast_periodRateThenRecentRateThenSeasonal_stopTimeFromTheRate() {
        SpendProfile p = new SpendProfile(UTC);
        Instant now = MONTH.plus(Duration.ofHours(2));
        p.add(MONTH.getEpochSecond(), 1_000_000);
        p.add(MONTH.plusSeconds(3600).getEpochSecond(), 1_000_000);
        assertThat(p.forecast(now, MONTH, END, 2_000_000, 95_000_000).method()).isEqualTo("period_rate");

        long spent = 2_000_000;
        for (int h = 2; h < 48; h++) {
            p.add(MONTH.plus(Duration.ofHours(h)).getEpochSecond(), 1_000_000);
            spent += 1_000_000;
        }
        now = MONTH.plus(Duration.ofHours(48));
        Forecast f = p.forecast(now, MONTH, END, spent, 95_000_000);
        assertThat(f.method()).isEqualTo("seasonal_daily");
        // $1 an hour: 48 spent plus the 696 hours left.
        assertThat(f.expectedMicros()).isBetween(740_000_000L, 748_000_000L);
        assertThat(f.lowMicros()).isLessThanOrEqualTo(f.expectedMicros());
        assertThat(f.highMicros()).isGreaterThanOrEqualTo(f.expectedMicros());
        // $95 is reached 47 hours from now.
        assertThat(f.stopAt()).isBetween(now.plus(Duration.ofHours(46)), now.plus(Duration.ofHours(48)));
        assertThat(p.forecast(now, MONTH, END, spent, 10_000_000).stopAt()).as("already reached").isEqualTo(now);
    }

    /** Spikes of 3x after a 10-minute warm-up, with at least $0.50 in the window; first-spend notices after {@code noticeAfter}. */
    static AnomalyWatch watch(Duration noticeAfter) {
        return new AnomalyWatch(new AnomalyConfig(true, 3.0, 500_000, Duration.ofMinutes(10), noticeAfter), UTC);
    }

    @Test
    void anomalyWatch_floorWarmupAndNotices() {
        AnomalyWatch w = watch(Duration.ofHours(1));
        long t = MONTH.getEpochSecond();
        for (int m = 0; m < 30; m++) {
            w.add("steady", "openai", "gpt-4o-mini", t + m * 60L, 100_000);
            w.add("tiny", "openai", "gpt-4o-mini", t + m * 60L, 1_000);
        }
        assertThat(w.drain()).as("nothing new within the first hour, nothing spiking").isEmpty();
        for (int m = 30; m < 34; m++) {
            w.add("steady", "openai", "gpt-4o-mini", t + m * 60L, 2_000_000);
            w.add("tiny", "openai", "gpt-4o-mini", t + m * 60L, 20_000);
        }
        w.advanceTo(t + 34 * 60L);
        List<Finding> f = w.drain();
        assertThat(f).extracting(Finding::value).contains("steady").doesNotContain("tiny");
        Finding spike = f.stream().filter(x -> x.value().equals("steady")).findFirst().orElseThrow();
        assertThat(spike.type()).isEqualTo(Finding.SPEND_SPIKE);
        assertThat(spike.baselinePerMinute()).isBetween(90_000.0, 110_000.0);
        assertThat(spike.factor()).isGreaterThanOrEqualTo(3.0);

        w.add("later", "openai", "gpt-5", t + 2 * 3600L, 10_000);
        assertThat(w.drain()).extracting(Finding::type).containsExactlyInAnyOrder(Finding.NEW_COMPONENT, Finding.NEW_MODEL);
    }

    @Test
    void anomalyWatch_taskTypeSpike_whileItsSharedComponentProviderAndModelMoveLess_noTaskTypeNotice() {
        AnomalyWatch w = watch(Duration.ofMinutes(1));
        long t = MONTH.getEpochSecond();
        for (int m = 0; m < 30; m++) {
            w.add("assistant", "anthropic", "claude-sonnet-4-5", "chat", t + m * 60L, 300_000);
            w.add("assistant", "anthropic", "claude-sonnet-4-5", "code", t + m * 60L, 20_000);
        }
        w.drain();
        // Code at 20x: about 2.2x on the component, provider and model it shares with chat.
        for (int m = 30; m < 34; m++) {
            w.add("assistant", "anthropic", "claude-sonnet-4-5", "chat", t + m * 60L, 300_000);
            w.add("assistant", "anthropic", "claude-sonnet-4-5", "code", t + m * 60L, 400_000);
        }
        w.advanceTo(t + 34 * 60L);
        List<Finding> f = w.drain();
        // One finding per closed minute (the alert book's cooldown keeps one alert), all on the task type.
        assertThat(f).isNotEmpty().allSatisfy(x -> {
            assertThat(x.type()).isEqualTo(Finding.SPEND_SPIKE);
            assertThat(x.dimension()).isEqualTo("task_type");
            assertThat(x.value()).isEqualTo("code");
            assertThat(x.factor()).isGreaterThanOrEqualTo(3.0);
        });
        // The first minute at 20x already moved the one-hour level a little above $0.02/min.
        assertThat(f.getFirst().baselinePerMinute()).isBetween(20_000.0, 30_000.0);

        // A task type seen for the first time after the notice delay raises no notice; without one, none is watched.
        w.add("assistant", "anthropic", "claude-sonnet-4-5", "review", t + 2 * 3600L, 10_000);
        w.add("other", "openai", "gpt-4o-mini", t + 2 * 3600L, 10_000);
        assertThat(w.drain()).extracting(Finding::dimension).containsExactlyInAnyOrder("component", "model");
    }
}
