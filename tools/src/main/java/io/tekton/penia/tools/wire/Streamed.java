package io.tekton.penia.tools.wire;

import com.fasterxml.jackson.core.JsonGenerator;
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
import java.util.function.Consumer;

/**
 * The answers on every LLM call's path (a check, a recorded usage) written straight to JSON
 * bytes. Building them as nested maps first was the largest single cost of a check request in
 * JFR profiles (eight reasons of nine fields, each value looked up by type), and writing them
 * through Jackson's generator was still 6-8 % of the server's CPU under check+settle load
 * ({@code perf}). The same bytes give the maps the MCP tools return ({@link #asMap}), so REST
 * and MCP cannot drift.
 */
public final class Streamed {
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private Streamed() {
    }

    // Field names, quoted and encoded once.
    private static final byte[] DECISION = JsonBytes.name("decision");
    private static final byte[] ALLOWED = JsonBytes.name("allowed");
    private static final byte[] REASONS = JsonBytes.name("reasons");
    private static final byte[] BUDGET_ID = JsonBytes.name("budget_id");
    private static final byte[] PERIOD = JsonBytes.name("period");
    private static final byte[] MONITOR = JsonBytes.name("monitor");
    private static final byte[] SPENT = JsonBytes.name("spent");
    private static final byte[] RESERVED = JsonBytes.name("reserved");
    private static final byte[] LIMIT = JsonBytes.name("limit");
    private static final byte[] PROJECTED_PERCENT = JsonBytes.name("projected_percent");
    private static final byte[] LEVEL = JsonBytes.name("level");
    private static final byte[] DETAIL = JsonBytes.name("detail");
    private static final byte[] REMAINING = JsonBytes.name("remaining");
    private static final byte[] ESTIMATED_COST = JsonBytes.name("estimated_cost");
    private static final byte[] RESERVATION_ID = JsonBytes.name("reservation_id");
    private static final byte[] EXPIRES_AT = JsonBytes.name("expires_at");
    private static final byte[] IDEMPOTENT_REPLAY = JsonBytes.name("idempotent_replay");
    private static final byte[] RESERVATION_STATUS = JsonBytes.name("reservation_status");
    private static final byte[] RECORD_ID = JsonBytes.name("record_id");
    private static final byte[] REQUEST_ID = JsonBytes.name("request_id");
    private static final byte[] TIMESTAMP = JsonBytes.name("timestamp");
    private static final byte[] COMPONENT = JsonBytes.name("component");
    private static final byte[] PROVIDER = JsonBytes.name("provider");
    private static final byte[] MODEL = JsonBytes.name("model");
    private static final byte[] TASK_TYPE = JsonBytes.name("task_type");
    private static final byte[] INPUT_TOKENS = JsonBytes.name("input_tokens");
    private static final byte[] OUTPUT_TOKENS = JsonBytes.name("output_tokens");
    private static final byte[] TOTAL_TOKENS = JsonBytes.name("total_tokens");
    private static final byte[] CACHED_INPUT_TOKENS = JsonBytes.name("cached_input_tokens");
    private static final byte[] CACHE_WRITE_TOKENS = JsonBytes.name("cache_write_tokens");
    private static final byte[] REASONING_TOKENS = JsonBytes.name("reasoning_tokens");
    private static final byte[] COST = JsonBytes.name("cost");
    private static final byte[] COST_SOURCE = JsonBytes.name("cost_source");
    private static final byte[] PRICE_VERSION = JsonBytes.name("price_version");

    /**
     * An answer as JSON bytes ({@link #json()}, what REST sends). Jackson can still write it
     * (as the same JSON) where it is nested in something else.
     */
    public abstract static class Answer implements JsonSerializable {
        private final int capacity;
        private byte[] json;

        Answer(int capacity) {
            this.capacity = capacity;
        }

        abstract void write(JsonBytes out);

        /** The JSON text, written once. */
        public final byte[] json() {
            if (json == null) {
                JsonBytes out = new JsonBytes(capacity);
                write(out);
                json = out.toBytes();
            }
            return json;
        }

        @Override
        public final void serialize(JsonGenerator g, SerializerProvider serializers) throws IOException {
            // As a map, not a tree: a tree would drop a decimal's trailing zeros ("12.50").
            serializers.defaultSerializeValue(asMap(this), g);
        }

        @Override
        public final void serializeWithType(JsonGenerator g, SerializerProvider serializers, TypeSerializer typeSer)
                throws IOException {
            serialize(g, serializers);
        }
    }

    /** The check-operation answer (REST {@code /unified/check-operation}, MCP {@code check_budget}). */
    public static Answer check(CheckResult r) {
        return new Answer(256 + 256 * r.decision().reasons().size()) {
            @Override
            void write(JsonBytes g) {
                g.raw('{');
                g.field(DECISION, true).str(r.decision().wireName());
                g.field(ALLOWED, false).bool(r.decision().allowed());
                g.field(REASONS, false).raw('[');
                boolean first = true;
                for (Reason x : r.decision().reasons()) {
                    if (!first) {
                        g.raw(',');
                    }
                    g.raw('{');
                    first = false;
                    g.field(BUDGET_ID, true).str(x.budgetId());
                    g.field(PERIOD, false).str(x.period().wireName());
                    g.field(MONITOR, false).str(x.monitor());
                    usd(g.field(SPENT, false), x.spent());
                    usd(g.field(RESERVED, false), x.reserved());
                    usd(g.field(LIMIT, false), x.limit());
                    g.field(PROJECTED_PERCENT, false);
                    if (x.projectedPercent() == null) {
                        g.nul();
                    } else {
                        g.ascii(x.projectedPercent().toPlainString());
                    }
                    g.field(LEVEL, false).str(x.level().wireName());
                    g.field(DETAIL, false).str(x.detail());
                    g.raw('}');
                }
                g.raw(']');
                usd(g.field(REMAINING, false), r.remaining());
                usd(g.field(ESTIMATED_COST, false), r.estimate());
                if (r.reservation() != null) {
                    g.field(RESERVATION_ID, false).str(r.reservation().reservationId());
                    instant(g.field(EXPIRES_AT, false), r.reservation().expiresAt());
                }
                g.raw('}');
            }
        };
    }

    /** A recorded (or replayed) usage record, as {@code POST /usage/record} answers it. */
    public static Answer recordResult(RecordResult r) {
        return recordObject(r.record(), g -> {
            g.field(IDEMPOTENT_REPLAY, false).bool(!r.created());
            if (r.reservationStatus() != null) {
                g.field(RESERVATION_STATUS, false).str(r.reservationStatus());
            }
        });
    }

    /** One ledger row. */
    public static Answer record(UsageRecord r) {
        return recordObject(r, g -> {
        });
    }

    /** One JSON object: the record's fields, then those {@code more} writes. */
    private static Answer recordObject(UsageRecord r, Consumer<JsonBytes> more) {
        return new Answer(640) {
            @Override
            void write(JsonBytes g) {
                g.raw('{');
                recordFields(g, r);
                more.accept(g);
                g.raw('}');
            }
        };
    }

    private static void recordFields(JsonBytes g, UsageRecord r) {
        g.field(RECORD_ID, true).str(r.recordId());
        g.field(REQUEST_ID, false).str(r.requestId());
        instant(g.field(TIMESTAMP, false), r.timestamp());
        g.field(COMPONENT, false).str(r.component());
        g.field(PROVIDER, false).str(r.provider());
        g.field(MODEL, false).str(r.model());
        g.field(TASK_TYPE, false).str(r.taskType());
        g.field(INPUT_TOKENS, false).num(r.inputTokens());
        g.field(OUTPUT_TOKENS, false).num(r.outputTokens());
        // Input counts cached and cache-written tokens, output counts reasoning ones (SPEC §3): their sum is every token.
        g.field(TOTAL_TOKENS, false).num(r.inputTokens() + r.outputTokens());
        g.field(CACHED_INPUT_TOKENS, false).num(r.cachedInputTokens());
        g.field(CACHE_WRITE_TOKENS, false).num(r.cacheWriteTokens());
        g.field(REASONING_TOKENS, false).num(r.reasoningTokens());
        usd(g.field(COST, false), r.cost());
        g.field(COST_SOURCE, false).str(r.costSource());
        g.field(PRICE_VERSION, false).str(r.priceVersion());
        g.field(RESERVATION_ID, false).str(r.reservationId());
    }

    /** The answer as a map of plain values (decimals as BigDecimal), for MCP structured content. */
    public static Map<String, Object> asMap(Answer answer) {
        try {
            return Json.mapper().readValue(answer.json(), MAP);
        } catch (IOException e) {
            throw new IllegalStateException("an answer did not read back as JSON", e);
        }
    }

    /** An instant as {@link Instant#toString()} writes it, without its formatter for the usual case. */
    private static void instant(JsonBytes g, Instant t) {
        char[] buf = new char[24];
        int n = isoMillis(t, buf);
        if (n > 0) {
            g.raw('"').ascii(buf, 0, n).raw('"');
        } else {
            g.str(t.toString());
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

    /** USD as a plain decimal with at most six places and no trailing zeros ("12.5", "0", "-3"). */
    static void usd(JsonBytes g, Money m) {
        if (m == null) {
            g.nul();
        } else {
            g.usd(m.micros());
        }
    }

    /** The same text as {@code BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString()}. */
    static String plainUsd(long micros) {
        return new String(new JsonBytes(32).usd(micros).toBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
}
