package io.tekton.penia.engine.model;

import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.Totals;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.ErrorEnvelope;
import io.tekton.penia.engine.error.PeniaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed names of the wire (statuses, sources, states, dimensions), sums and the error envelope. */
class WireEnumsTest {
    @Test
    void wireNames_areTheOnesTheApiSpells_andParseBack() {
        assertThat(ReservationStatus.wireNames()).containsExactly("active", "settled", "released", "expired");
        assertThat(CostSource.wireNames()).containsExactly("reported", "computed", "unpriced");
        assertThat(BreakerState.wireNames()).containsExactly("open", "closed");
        assertThat(Dimension.wireNames()).containsExactly("provider", "model", "component", "task_type", "day", "hour");
        for (ReservationStatus s : ReservationStatus.values()) {
            assertThat(ReservationStatus.parse(s.wireName())).contains(s);
        }
        assertThat(Dimension.parse("task_type")).contains(Dimension.TASK_TYPE);
        assertThat(CostSource.parse("COMPUTED")).isEmpty();
        assertThat(BreakerState.parse(null)).isEmpty();
        assertThat(BreakerState.of(true)).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void everyWireNameEnum_spellsItsValuesInLowerCase_andOnlyPeriodParsesAnyCase() {
        assertThat(Dimension.TASK_TYPE.wireName()).isSameAs(Dimension.TASK_TYPE.wireName()).isEqualTo("task_type");
        assertThat(Enforcement.WARN.wireName()).isEqualTo("warn");
        assertThat(io.tekton.penia.engine.monitor.Reason.Level.WARNING.wireName()).isEqualTo("warning");
        assertThat(WireName.wireNames(Period.class)).containsExactly("hourly", "daily", "weekly", "monthly");
        assertThat(Period.parse("Weekly")).contains(Period.WEEKLY);
        assertThat(Period.parse(null)).isEmpty();
        assertThat(WireName.parse(Period.class, "Weekly")).isEmpty();
        assertThat(WireName.parse(Enforcement.class, "block")).contains(Enforcement.BLOCK);
    }

    @Test
    void reservationConstants_areTheStatusWireNames() {
        assertThat(List.of(Reservation.ACTIVE, Reservation.SETTLED, Reservation.RELEASED, Reservation.EXPIRED))
                .isEqualTo(ReservationStatus.wireNames());
        Reservation r = new Reservation("res_1", "c", "p", "m", Money.ofMicros(1), List.of("b"), null, null,
                Reservation.ACTIVE);
        assertThat(r.withStatus(ReservationStatus.EXPIRED).state()).contains(ReservationStatus.EXPIRED);
        assertThat(r.withStatus("held").state()).isEmpty();
    }

    @Test
    void totals_addExactly_andOverflowFails() {
        Totals t = Totals.ZERO.plus(5, 10, 20, 1).plus(new Totals(1, 2, 3, 1));
        assertThat(t).isEqualTo(new Totals(6, 12, 23, 2));
        assertThat(Totals.of(new long[]{6, 12, 23, 2})).isEqualTo(t);
        assertThatThrownBy(() -> new Totals(Long.MAX_VALUE, 0, 0, 0).plus(1, 0, 0, 0))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void errorEnvelope_isCodeMessageDetails_inThatOrder() throws Exception {
        PeniaException e = PeniaException.invalid("limit", "must be positive");
        assertThat(Json.mapper().writeValueAsString(e.envelope()))
                .isEqualTo("{\"error\":{\"code\":\"invalid_argument\",\"message\":\"limit: must be positive\","
                        + "\"details\":{\"field\":\"limit\"}}}");
        assertThat(ErrorEnvelope.of(ErrorCode.NOT_FOUND, "gone", null))
                .isEqualTo(Map.of("error", Map.of("code", "not_found", "message", "gone", "details", Map.of())));
        assertThat(ErrorCode.fromWire("rate_limited")).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(ErrorCode.fromWire("nonsense")).isEqualTo(ErrorCode.INTERNAL);
    }
}
