package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 item 4: one record costs at most $1,000,000 (estimates too), one record reports at
 * most 100 billion tokens of a kind, and the ledger as a whole holds at most $1 trillion and
 * 10^18 tokens of a kind; whatever would pass a bound is refused with a 400 and nothing is
 * written, so no counter or sum can overflow, live or after a restart.
 */
@PeniaServerTest
class MoneyBoundsTest {
    static TestServer t;

    static Map<String, Object> usage(String component, Object cost, long in, long out) {
        Map<String, Object> body = PeniaClient.usage(component, "openai", "gpt-4o", in, out, null);
        if (cost != null) {
            body.put("cost", cost);
        }
        return body;
    }

    static String budget(String component) {
        return Ledger.budget(t, Map.of("name", component, "scope", Map.of("component", component),
                "limits", Map.of("daily", new BigDecimal("1000000000000")), "enforcement", "warn"));
    }

    @Test
    void costAboveThePerRecordMaximum_isRefusedAndNotLedgered() {
        String c = uniq("bounds");
        String id = budget(c);
        for (int i = 0; i < 10; i++) {
            Ledger.record(t, usage(c, new BigDecimal("1000000"), 1, 1));
        }
        for (Object cost : new Object[]{new BigDecimal("1000000.000001"), new BigDecimal("1000000000000"),
                new BigDecimal("1e12")}) {
            JsonNode e = assertError(t.post("/api/v1/usage/record", usage(c, cost, 1, 1)), 400, "invalid_argument");
            assertThat(e.get("details").get("field").asText()).isEqualTo("cost");
            assertThat(e.get("message").asText()).contains("1000000");
        }
        assertThat(Ledger.rows(t, c)).hasSize(10);
        assertUsd(Ledger.period(t, id, "daily").get("spent"), "10000000");
        t.restart();
        assertUsd(Ledger.period(t, id, "daily").get("spent"), "10000000");
        assertThat(Ledger.rows(t, c)).hasSize(10);
    }

    @Test
    void computedCostAboveTheMaximum_andTooManyTokens_areRefused() {
        String c = uniq("bounds-tokens");
        // gpt-4o: 1e11 input tokens at $2.50/M and 1e11 output tokens at $10/M is $1.25 million.
        JsonNode e = assertError(t.post("/api/v1/usage/record", usage(c, null, 100_000_000_000L, 100_000_000_000L)),
                400, "invalid_argument");
        assertThat(e.get("message").asText()).contains("1000000");
        e = assertError(t.post("/api/v1/usage/record", usage(c, new BigDecimal("1"), 100_000_000_001L, 1)), 400,
                "invalid_argument");
        assertThat(e.get("details").get("field").asText()).isEqualTo("input_tokens");
        e = assertError(t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "estimated_cost", new BigDecimal("1000000.01"))), 400, "invalid_argument");
        assertThat(e.get("details").get("field").asText()).isEqualTo("estimated_cost");
        e = assertError(t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "provider", "openai", "model", "gpt-4o", "estimated_input_tokens", 100_000_000_000L,
                "estimated_output_tokens", 100_000_000_000L)), 400, "invalid_argument");
        assertThat(e.get("message").asText()).contains("1000000");
        assertThat(Ledger.rows(t, c)).isEmpty();
    }

    @Test
    void recordThatWouldPassTheLedgerTotal_isRefusedAndNothingWritten() {
        // A server of its own: the ledger total is the sum over every component.
        try (TestServer own = TestServer.start()) {
            String c = uniq("bounds-total");
            String id = Ledger.budget(own, Map.of("name", c, "scope", Map.of("component", c),
                    "limits", Map.of("daily", new BigDecimal("1000000000000")), "enforcement", "warn"));
            Ledger.record(own, usage(c, new BigDecimal("1"), 1, 1));
            // The ledger is made to hold $999,999,999,999.5 already (as the one rollup row it has).
            own.restart(db -> sql(db, "UPDATE usage_rollup SET cost_micros = 999999999999500000 WHERE component = '"
                    + c + "'"));
            assertUsd(Ledger.period(own, id, "daily").get("spent"), "999999999999.5");
            JsonNode e = assertError(own.post("/api/v1/usage/record", usage(c, new BigDecimal("1"), 1, 1)), 400,
                    "invalid_argument");
            assertThat(e.get("message").asText()).contains("1000000000000");
            assertThat(Ledger.rows(own, c)).hasSize(1);
            assertUsd(Ledger.period(own, id, "daily").get("spent"), "999999999999.5");
            Ledger.record(own, usage(c, new BigDecimal("0.5"), 1, 1));
            assertUsd(Ledger.period(own, id, "daily").get("spent"), "1000000000000");
            own.restart();
            assertUsd(Ledger.period(own, id, "daily").get("spent"), "1000000000000");
        }
    }

    @Test
    void holdThatWouldPassTheReservedMaximum_isRefused() {
        String c = uniq("bounds-hold");
        String id = budget(c);
        TestServer.Resp first = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "estimated_cost", new BigDecimal("1"), "reserve", true));
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        String hold = first.get("reservation_id").asText();
        t.restart(db -> sql(db, "UPDATE reservations SET amount_micros = 999999999999500000 WHERE reservation_id = '"
                + hold + "'"));
        assertUsd(Ledger.period(t, id, "daily").get("reserved"), "999999999999.5");
        JsonNode e = assertError(t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", c,
                "estimated_cost", new BigDecimal("1"), "reserve", true)), 400, "invalid_argument");
        assertThat(e.get("message").asText()).contains("1000000000000");
        assertUsd(Ledger.period(t, id, "daily").get("reserved"), "999999999999.5");
    }

    static void sql(java.nio.file.Path db, String statement) {
        try (var conn = DriverManager.getConnection("jdbc:sqlite:" + db); var st = conn.createStatement()) {
            assertThat(st.executeUpdate(statement)).isEqualTo(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
