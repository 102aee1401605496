package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.MutableClock;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Counters are rebuilt at start from 15-minute rollups, so PENIA_TIMEZONE must put every period
 * boundary on a 15-minute mark: a zone with an offset that is not a multiple of 15 minutes is
 * refused at start, and in accepted zones (+05:45, +08:45) live and restarted figures agree.
 */
class ZoneOffsetTest {
    static final Path SHIPPED = Path.of(TestServer.repoRoot(), "config", "penia.yaml");

    @Test
    void zoneWithOffsetOffThe15MinuteGrid_isRefusedAtStart_namingTheKey() {
        for (String zone : new String[] {"+00:07", "UTC+05:07", "-03:20:30"}) {
            ConfigException e = catchThrowableOfType(ConfigException.class,
                    () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_TIMEZONE", zone)));
            assertThat(e).as(zone + " must be refused").isNotNull();
            assertThat(e.problems()).hasSize(1);
            assertThat(e.problems().get(0)).startsWith("time.zone (PENIA_TIMEZONE): ").contains(zone)
                    .contains("15 minutes");
        }
        // Whole quarter hours are fine, and so are zones whose odd offsets lie before 2000 (Monrovia until 1972).
        for (String zone : new String[] {"+05:45", "Asia/Kathmandu", "Australia/Eucla", "Australia/Lord_Howe",
                "Pacific/Chatham", "Africa/Monrovia", "America/St_Johns"}) {
            assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_TIMEZONE", zone)).zone()).isEqualTo(ZoneId.of(zone));
        }
    }

    @Test
    void quarterHourZones_hourlyAndDailySpent_liveEqualsAfterRestart() {
        for (String zone : new String[] {"Asia/Kathmandu", "Australia/Eucla"}) {
            // Kathmandu hours start at :15 UTC, Eucla's at :15 UTC too (+08:45); days likewise.
            MutableClock clock = new MutableClock(Instant.parse("2026-11-18T09:10:00Z"));
            try (TestServer t = TestServer.start(Map.of("PENIA_TIMEZONE", zone), clock)) {
                String component = uniq("quarter");
                String id = Ledger.componentBudget(t, component, Map.of("hourly", "100", "daily", "100"));
                Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "7");
                clock.set(Instant.parse("2026-11-18T09:20:00Z"));
                Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "1");
                JsonNode live = Ledger.summary(t, id).get("periods");
                assertUsd(live.get("hourly").get("spent"), "1");
                assertThat(live.get("hourly").get("period_start").asText()).isEqualTo("2026-11-18T09:15:00Z");

                t.restart();

                JsonNode after = Ledger.summary(t, id).get("periods");
                for (String p : new String[] {"hourly", "daily"}) {
                    assertThat(after.get(p).get("spent").decimalValue()).as(zone + " " + p)
                            .isEqualByComparingTo(live.get(p).get("spent").decimalValue());
                    assertThat(after.get(p).get("period_start").asText()).isEqualTo(live.get(p).get("period_start").asText());
                }
            }
        }
    }
}
