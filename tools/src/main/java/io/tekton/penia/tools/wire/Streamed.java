package io.tekton.penia.tools.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.monitor.Reason;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers on every LLM call's path (a check, a recorded usage) written straight to the
 * JSON generator. Building them as nested maps first was the largest single cost of a check
 * request in JFR profiles (eight reasons of nine fields, each value looked up by type). The
 * same writer gives the maps the MCP tools return ({@link #asMap}), so REST and MCP cannot drift.
 */
public final class Streamed {
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private Streamed() {
    }

    // Field names, quoted and encoded once.
    private static final SerializedString DECISION = new SerializedString("decision");
    private static final SerializedString ALLOWED = new SerializedString("allowed");
    private static final SerializedString REASONS = new SerializedString("reasons");
    private static final SerializedString BUDGET_ID = new SerializedString("budget_id");
    private static final SerializedString PERIOD = new SerializedString("period");
    private static final SerializedString MONITOR = new SerializedString("monitor");
    private static final SerializedString SPENT = new SerializedString("spent");
    private static final SerializedString RESERVED = new SerializedString("reserved");
    private static final SerializedString LIMIT = new SerializedString("limit");
    private static final SerializedString PROJECTED_PERCENT = new SerializedString("projected_percent");
    private static final SerializedString LEVEL = new SerializedString("level");
    private static final SerializedString DETAIL = new SerializedString("detail");
    private static final SerializedString REMAINING = new SerializedString("remaining");
    private static final SerializedString ESTIMATED_COST = new SerializedString("estimated_cost");
    private static final SerializedString RESERVATION_ID = new SerializedString("reservation_id");
    private static final SerializedString EXPIRES_AT = new SerializedString("expires_at");
    private static final SerializedString IDEMPOTENT_REPLAY = new SerializedString("idempotent_replay");
    private static final SerializedString RESERVATION_STATUS = new SerializedString("reservation_status");
    private static final SerializedString RECORD_ID = new SerializedString("record_id");
    private static final SerializedString REQUEST_ID = new SerializedString("request_id");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString COMPONENT = new SerializedString("component");
    private static final SerializedString PROVIDER = new SerializedString("provider");
    private static final SerializedString MODEL = new SerializedString("model");
    private static final SerializedString INPUT_TOKENS = new SerializedString("input_tokens");
    private static final SerializedString OUTPUT_TOKENS = new SerializedString("output_tokens");
    private static final SerializedString CACHED_INPUT_TOKENS = new SerializedString("cached_input_tokens");
    private static final SerializedString CACHE_WRITE_TOKENS = new SerializedString("cache_write_tokens");
    private static final SerializedString REASONING_TOKENS = new SerializedString("reasoning_tokens");
    private static final SerializedString COST = new SerializedString("cost");
    private static final SerializedString COST_SOURCE = new SerializedString("cost_source");
    private static final SerializedString PRICE_VERSION = new SerializedString("price_version");

    /** A value Jackson writes by handing it the generator. */
    private abstract static class View implements JsonSerializable {
        abstract void write(JsonGenerator g) throws IOException;

        @Override
        public final void serialize(JsonGenerator g, SerializerProvider serializers) throws IOException {
            write(g);
        }

        @Override
        public final void serializeWithType(JsonGenerator g, SerializerProvider serializers, TypeSerializer typeSer)
                throws IOException {
            write(g);
        }
    }

    /** The check-operation answer (REST {@code /unified/check-operation}, MCP {@code check_budget}). */
    public static Object check(CheckResult r) {
        return new View() {
            @Override
            void write(JsonGenerator g) throws IOException {
                g.writeStartObject();
                str(g, DECISION, r.decision().wireName());
                bool(g, ALLOWED, r.decision().allowed());
                g.writeFieldName(REASONS);
                g.writeStartArray();
                for (Reason x : r.decision().reasons()) {
                    g.writeStartObject();
                    str(g, BUDGET_ID, x.budgetId());
                    str(g, PERIOD, x.period().wireName());
                    str(g, MONITOR, x.monitor());
                    usd(g, SPENT, x.spent());
                    usd(g, RESERVED, x.reserved());
                    usd(g, LIMIT, x.limit());
                    g.writeFieldName(PROJECTED_PERCENT);
                    if (x.projectedPercent() == null) {
                        g.writeNull();
                    } else {
                        g.writeNumber(x.projectedPercent());
                    }
                    str(g, LEVEL, x.level().wireName());
                    str(g, DETAIL, x.detail());
                    g.writeEndObject();
                }
                g.writeEndArray();
                usd(g, REMAINING, r.remaining());
                usd(g, ESTIMATED_COST, r.estimate());
                if (r.reservation() != null) {
                    str(g, RESERVATION_ID, r.reservation().reservationId());
                    instant(g, EXPIRES_AT, r.reservation().expiresAt());
                }
                g.writeEndObject();
            }
        };
    }

    /** A recorded (or replayed) usage record, as {@code POST /usage/record} answers it. */
    public static Object recordResult(RecordResult r) {
        return new View() {
            @Override
            void write(JsonGenerator g) throws IOException {
                g.writeStartObject();
                recordFields(g, r.record());
                bool(g, IDEMPOTENT_REPLAY, !r.created());
                if (r.reservationStatus() != null) {
                    str(g, RESERVATION_STATUS, r.reservationStatus());
                }
                g.writeEndObject();
            }
        };
    }

    /** One ledger row. */
    public static Object record(UsageRecord r) {
        return new View() {
            @Override
            void write(JsonGenerator g) throws IOException {
                g.writeStartObject();
                recordFields(g, r);
                g.writeEndObject();
            }
        };
    }

    private static void recordFields(JsonGenerator g, UsageRecord r) throws IOException {
        str(g, RECORD_ID, r.recordId());
        str(g, REQUEST_ID, r.requestId());
        instant(g, TIMESTAMP, r.timestamp());
        str(g, COMPONENT, r.component());
        str(g, PROVIDER, r.provider());
        str(g, MODEL, r.model());
        num(g, INPUT_TOKENS, r.inputTokens());
        num(g, OUTPUT_TOKENS, r.outputTokens());
        num(g, CACHED_INPUT_TOKENS, r.cachedInputTokens());
        num(g, CACHE_WRITE_TOKENS, r.cacheWriteTokens());
        num(g, REASONING_TOKENS, r.reasoningTokens());
        usd(g, COST, r.cost());
        str(g, COST_SOURCE, r.costSource());
        str(g, PRICE_VERSION, r.priceVersion());
        str(g, RESERVATION_ID, r.reservationId());
    }

    /** The view as a map of plain values (decimals as BigDecimal), for MCP structured content. */
    public static Map<String, Object> asMap(Object view) {
        return Json.mapper().convertValue(view, MAP);
    }

    private static void str(JsonGenerator g, SerializedString field, String value) throws IOException {
        g.writeFieldName(field);
        g.writeString(value);
    }

    /** An instant as {@link Instant#toString()} writes it, without its formatter for the usual case. */
    private static void instant(JsonGenerator g, SerializedString field, Instant t) throws IOException {
        g.writeFieldName(field);
        char[] buf = new char[24];
        int n = isoMillis(t, buf);
        if (n > 0) {
            g.writeString(buf, 0, n);
        } else {
            g.writeString(t.toString());
        }
    }

    /**
     * Writes {@code t} as {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z} into {@code buf} (24 chars) and
     * returns the length, the same text as {@link Instant#toString()}; 0 when that text has
     * another shape (years outside 1970-9999, or a fraction finer than milliseconds). In a
     * JFR profile of record, {@code Instant.toString} was 2 % of all samples.
     */
    static int isoMillis(Instant t, char[] buf) {
        long secs = t.getEpochSecond();
        int nanos = t.getNano();
        if (secs < 0 || secs >= 253_402_300_800L || nanos % 1_000_000 != 0) {
            return 0;
        }
        long day = Math.floorDiv(secs, 86_400);
        int sod = (int) Math.floorMod(secs, 86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, era of 400 years).
        long z = day + 719_468;
        long era = z / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        int y = (int) (yoe + era * 400 + (m <= 2 ? 1 : 0));
        digits(buf, 0, y, 4);
        buf[4] = '-';
        digits(buf, 5, m, 2);
        buf[7] = '-';
        digits(buf, 8, d, 2);
        buf[10] = 'T';
        digits(buf, 11, sod / 3600, 2);
        buf[13] = ':';
        digits(buf, 14, sod / 60 % 60, 2);
        buf[16] = ':';
        digits(buf, 17, sod % 60, 2);
        int millis = nanos / 1_000_000;
        if (millis == 0) {
            buf[19] = 'Z';
            return 20;
        }
        buf[19] = '.';
        digits(buf, 20, millis, 3);
        buf[23] = 'Z';
        return 24;
    }

    private static void digits(char[] buf, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            buf[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    private static void num(JsonGenerator g, SerializedString field, long value) throws IOException {
        g.writeFieldName(field);
        g.writeNumber(value);
    }

    private static void bool(JsonGenerator g, SerializedString field, boolean value) throws IOException {
        g.writeFieldName(field);
        g.writeBoolean(value);
    }

    /** USD as a plain decimal with at most six places and no trailing zeros ("12.5", "0", "-3"). */
    static void usd(JsonGenerator g, SerializedString field, Money m) throws IOException {
        g.writeFieldName(field);
        if (m == null) {
            g.writeNull();
        } else {
            char[] buf = new char[USD_CHARS];
            int start = plainUsd(m.micros(), buf);
            g.writeNumber(buf, start, USD_CHARS - start);
        }
    }

    /** Room for any long as micro-dollars: sign, 13 whole digits, point, 6 places, and spare. */
    private static final int USD_CHARS = 28;

    /** The same text as {@code BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString()}. */
    static String plainUsd(long micros) {
        char[] buf = new char[USD_CHARS];
        int start = plainUsd(micros, buf);
        return new String(buf, start, USD_CHARS - start);
    }

    /** Writes the text right-aligned into {@code buf} (length {@link #USD_CHARS}); returns where it starts. */
    private static int plainUsd(long micros, char[] buf) {
        int i = buf.length;
        // Digits of the absolute value as a negative number, so that Long.MIN_VALUE works too.
        long neg = micros > 0 ? -micros : micros;
        int frac = (int) -(neg % 1_000_000);
        long whole = neg / 1_000_000;
        if (frac != 0) {
            int places = 6;
            while (frac % 10 == 0) {
                frac /= 10;
                places--;
            }
            for (int k = 0; k < places; k++) {
                buf[--i] = (char) ('0' + frac % 10);
                frac /= 10;
            }
            buf[--i] = '.';
        }
        do {
            buf[--i] = (char) ('0' - whole % 10);
            whole /= 10;
        } while (whole != 0);
        if (micros < 0) {
            buf[--i] = '-';
        }
        return i;
    }
}
