package io.tekton.penia.engine;

import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ZoneGridTest {
    @Test
    void everyZoneOfTheTzDatabase_isOnTheGrid() {
        List<String> refused = new ArrayList<>();
        for (String id : ZoneId.getAvailableZoneIds()) {
            ZoneGrid.problem(ZoneId.of(id)).ifPresent(p -> refused.add(id + ": " + p));
        }
        assertThat(refused).isEmpty();
    }

    @Test
    void offsetsOffTheQuarterHour_areRefused_quarterHoursAccepted() {
        assertThat(ZoneGrid.problem(ZoneId.of("+00:07"))).get().asString().contains("+00:07").contains("15 minutes");
        assertThat(ZoneGrid.problem(ZoneId.of("-00:44:30"))).isPresent();
        assertThat(ZoneGrid.problem(ZoneId.of("+05:45"))).isEmpty();
        assertThat(ZoneGrid.problem(ZoneId.of("Asia/Kathmandu"))).isEmpty();
        assertThat(ZoneGrid.problem(ZoneId.of("Australia/Lord_Howe"))).isEmpty();
    }
}
