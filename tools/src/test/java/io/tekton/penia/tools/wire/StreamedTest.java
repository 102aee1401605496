package io.tekton.penia.tools.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.monitor.Decision;
import io.tekton.penia.engine.monitor.Reason;
import org.junit.jupiter.api.Test;

class StreamedTest {

    @Test
    void plainUsd_isBigDecimalsPlainText_forEdgesAndRandomAmounts() {
        long[] edges = {0, 1, -1, 10, 999_999, 1_000_000, -1_000_000, 10_000_000, 12_500_000, -12_500_001,
                100_000, 1_000_001, Money.MAX_MICROS, -Money.MAX_MICROS, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MIN_VALUE};
        for (long m : edges) {
            assertThat(Streamed.plainUsd(m)).as("micros %d", m).isEqualTo(reference(m));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long m = random.nextLong(-10_000_000_000L, 10_000_000_000L);
            if (i % 3 == 0) {
                m -= m % 1000; // many trailing zeros
            }
            assertThat(Streamed.plainUsd(m)).as("micros %d", m).isEqualTo(reference(m));
        }
    }

    @Test
    void check_asJson_hasEveryFieldWithExactDecimals() throws Exception {
        Reason reason = new Reason("global", Period.DAILY, "guardrail", Money.ofMicros(1_250_000), Money.ofMicros(0),
                Money.ofMicros(10_000_000), new BigDecimal("12.50"), Reason.Level.OK, "within limit");
        Reservation hold = new Reservation("res_1", "athena", "openai", "gpt-4o", Money.ofMicros(30_000),
                List.of("global"), Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T10:05:00Z"), "held");
        CheckResult r = new CheckResult(new Decision.Allow(List.of(reason)), Money.ofMicros(8_750_000),
                Money.ofMicros(30_000), hold);

        String json = new String(Streamed.check(r).json(), StandardCharsets.UTF_8);
        assertThat(Json.mapper().writeValueAsString(Streamed.check(r))).as("nested in Jackson").isEqualTo(json);

        assertThat(json).isEqualTo("{\"decision\":\"allow\",\"allowed\":true,\"reasons\":[{\"budget_id\":\"global\","
                + "\"period\":\"daily\",\"monitor\":\"guardrail\",\"spent\":1.25,\"reserved\":0,\"limit\":10,"
                + "\"projected_percent\":12.50,\"level\":\"ok\",\"detail\":\"within limit\"}],\"remaining\":8.75,"
                + "\"estimated_cost\":0.03,\"reservation_id\":\"res_1\",\"expires_at\":\"2026-11-23T10:05:00Z\"}");
        Map<String, Object> map = Streamed.asMap(Streamed.check(r));
        assertThat(map.get("remaining")).isEqualTo(new BigDecimal("8.75"));
        assertThat(map).containsEntry("decision", "allow").containsEntry("reservation_id", "res_1");
    }

    /**
     * The byte writer against Jackson writing the same fields from an ordinary map: the same
     * text for random answers, hostile strings included (quotes, backslashes, control
     * characters, DEL, non-ASCII and astral characters), and the same map for MCP.
     */
    @Test
    void answers_areTheTextJacksonWritesForTheSameFields() throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        String[] words = {"global", "within limit", "a\"quote", "back\\slash", "tab\tnew\nline\r", "\u0001\u001f\u007f",
                "café", "日本語", "emoji \uD83D\uDE00 end", "", "x/y</script>"};
        for (int i = 0; i < 2_000; i++) {
            List<Reason> reasons = new java.util.ArrayList<>();
            for (int k = rnd.nextInt(13); k > 0; k--) {
                reasons.add(new Reason(words[rnd.nextInt(words.length)], Period.values()[rnd.nextInt(Period.values().length)],
                        rnd.nextBoolean() ? "guardrail" : "realtime", money(rnd), money(rnd), rnd.nextInt(5) == 0 ? null : money(rnd),
                        rnd.nextInt(4) == 0 ? null : BigDecimal.valueOf(rnd.nextLong(-100_000, 10_000_000), 2),
                        Reason.Level.values()[rnd.nextInt(Reason.Level.values().length)], words[rnd.nextInt(words.length)]));
            }
            Reservation hold = rnd.nextBoolean() ? null : new Reservation(words[rnd.nextInt(words.length)], "c", "p", "m",
                    money(rnd), List.of("global"), Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)),
                    Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)), "held");
            Decision decision = switch (rnd.nextInt(3)) {
                case 0 -> new Decision.Allow(reasons);
                case 1 -> new Decision.Warn(reasons);
                default -> new Decision.Block(reasons);
            };
            CheckResult check = new CheckResult(decision, money(rnd), money(rnd), hold);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("decision", decision.wireName());
            c.put("allowed", decision.allowed());
            List<Map<String, Object>> rs = new java.util.ArrayList<>();
            for (Reason x : reasons) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("budget_id", x.budgetId());
                m.put("period", x.period().wireName());
                m.put("monitor", x.monitor());
                m.put("spent", usd(x.spent()));
                m.put("reserved", usd(x.reserved()));
                m.put("limit", usd(x.limit()));
                m.put("projected_percent", x.projectedPercent());
                m.put("level", x.level().wireName());
                m.put("detail", x.detail());
                rs.add(m);
            }
            c.put("reasons", rs);
            c.put("remaining", usd(check.remaining()));
            c.put("estimated_cost", usd(check.estimate()));
            if (hold != null) {
                c.put("reservation_id", hold.reservationId());
                c.put("expires_at", hold.expiresAt().toString());
            }
            assertThat(new String(Streamed.check(check).json(), StandardCharsets.UTF_8))
                    .isEqualTo(Json.mapper().writeValueAsString(c));
            assertThat(Json.mapper().writeValueAsString(Streamed.asMap(Streamed.check(check))))
                    .isEqualTo(Json.mapper().writeValueAsString(c));

            UsageRecord rec = new UsageRecord(rnd.nextLong(1, 1_000_000), words[rnd.nextInt(words.length)],
                    rnd.nextBoolean() ? null : words[rnd.nextInt(words.length)], Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)),
                    words[rnd.nextInt(words.length)], "openai", words[rnd.nextInt(words.length)],
                    words[rnd.nextInt(words.length)], rnd.nextLong(0, Long.MAX_VALUE),
                    rnd.nextLong(0, 1_000_000), 0, rnd.nextInt(100), Long.MAX_VALUE, money(rnd), "catalog",
                    rnd.nextBoolean() ? null : "v" + i, rnd.nextBoolean() ? null : "res_" + i);
            RecordResult result = new RecordResult(rec, rnd.nextBoolean(), rnd.nextBoolean() ? null : "settled");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("record_id", rec.recordId());
            r.put("request_id", rec.requestId());
            r.put("timestamp", rec.timestamp().toString());
            r.put("component", rec.component());
            r.put("provider", rec.provider());
            r.put("model", rec.model());
            r.put("task_type", rec.taskType());
            r.put("input_tokens", rec.inputTokens());
            r.put("output_tokens", rec.outputTokens());
            r.put("total_tokens", rec.inputTokens() + rec.outputTokens());
            r.put("cached_input_tokens", rec.cachedInputTokens());
            r.put("cache_write_tokens", rec.cacheWriteTokens());
            r.put("reasoning_tokens", rec.reasoningTokens());
            r.put("cost", usd(rec.cost()));
            r.put("cost_source", rec.costSource());
            r.put("price_version", rec.priceVersion());
            r.put("reservation_id", rec.reservationId());
            assertThat(new String(Streamed.record(rec).json(), StandardCharsets.UTF_8)).isEqualTo(Json.mapper().writeValueAsString(r));
            r.put("idempotent_replay", !result.created());
            if (result.reservationStatus() != null) {
                r.put("reservation_status", result.reservationStatus());
            }
            assertThat(new String(Streamed.recordResult(result).json(), StandardCharsets.UTF_8))
                    .isEqualTo(Json.mapper().writeValueAsString(r));
        }
    }

    private static Money money(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> Money.ofMicros(0);
            case 1 -> Money.ofMicros(rnd.nextLong(-Money.MAX_MICROS, Money.MAX_MICROS));
            case 2 -> Money.ofMicros(rnd.nextLong(0, 1_000) * 1_000);
            default -> Money.ofMicros(rnd.nextLong(-5_000_000, 50_000_000));
        };
    }

    private static BigDecimal usd(Money m) {
        return m == null ? null : BigDecimal.valueOf(m.micros(), 6).stripTrailingZeros();
    }

    private static String reference(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    @org.junit.jupiter.api.Test
    void isoMillis_writesWhatInstantToStringWrites_orDefersToIt() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        java.util.List<java.time.Instant> cases = new java.util.ArrayList<>(java.util.List.of(
                java.time.Instant.EPOCH, java.time.Instant.parse("2000-02-29T23:59:59.999Z"),
                java.time.Instant.parse("2100-03-01T00:00:00Z"), java.time.Instant.parse("2026-11-24T02:02:41.310Z"),
                java.time.Instant.parse("2024-12-31T23:59:59.001Z"), java.time.Instant.parse("9999-12-31T23:59:59.999Z"),
                java.time.Instant.parse("1969-12-31T23:59:59.500Z"), java.time.Instant.parse("2026-01-01T00:00:00.000123Z"),
                java.time.Instant.parse("+10000-01-01T00:00:00Z")));
        for (int i = 0; i < 100_000; i++) {
            cases.add(java.time.Instant.ofEpochMilli(rnd.nextLong(0, 253_402_300_800_000L)));
        }
        char[] buf = new char[24];
        int fast = 0;
        for (java.time.Instant t : cases) {
            int n = Streamed.isoMillis(t, buf);
            if (n > 0) {
                fast++;
                org.assertj.core.api.Assertions.assertThat(new String(buf, 0, n)).isEqualTo(t.toString());
            }
        }
        // Everything but 1969, the microsecond fraction and year 10000 takes the fast path.
        org.assertj.core.api.Assertions.assertThat(fast).isEqualTo(cases.size() - 3);
    }
}
