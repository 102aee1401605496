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
                g.writeStringField("decision", r.decision().wireName());
                g.writeBooleanField("allowed", r.decision().allowed());
                g.writeArrayFieldStart("reasons");
                for (Reason x : r.decision().reasons()) {
                    g.writeStartObject();
                    g.writeStringField("budget_id", x.budgetId());
                    g.writeStringField("period", x.period().wireName());
                    g.writeStringField("monitor", x.monitor());
                    usd(g, "spent", x.spent());
                    usd(g, "reserved", x.reserved());
                    usd(g, "limit", x.limit());
                    g.writeFieldName("projected_percent");
                    if (x.projectedPercent() == null) {
                        g.writeNull();
                    } else {
                        g.writeNumber(x.projectedPercent());
                    }
                    g.writeStringField("level", x.level().wireName());
                    g.writeStringField("detail", x.detail());
                    g.writeEndObject();
                }
                g.writeEndArray();
                usd(g, "remaining", r.remaining());
                usd(g, "estimated_cost", r.estimate());
                if (r.reservation() != null) {
                    g.writeStringField("reservation_id", r.reservation().reservationId());
                    g.writeStringField("expires_at", r.reservation().expiresAt().toString());
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
                g.writeBooleanField("idempotent_replay", !r.created());
                if (r.reservationStatus() != null) {
                    g.writeStringField("reservation_status", r.reservationStatus());
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
        g.writeStringField("record_id", r.recordId());
        g.writeStringField("request_id", r.requestId());
        g.writeStringField("timestamp", r.timestamp().toString());
        g.writeStringField("component", r.component());
        g.writeStringField("provider", r.provider());
        g.writeStringField("model", r.model());
        g.writeNumberField("input_tokens", r.inputTokens());
        g.writeNumberField("output_tokens", r.outputTokens());
        g.writeNumberField("cached_input_tokens", r.cachedInputTokens());
        g.writeNumberField("cache_write_tokens", r.cacheWriteTokens());
        g.writeNumberField("reasoning_tokens", r.reasoningTokens());
        usd(g, "cost", r.cost());
        g.writeStringField("cost_source", r.costSource());
        g.writeStringField("price_version", r.priceVersion());
        g.writeStringField("reservation_id", r.reservationId());
    }

    /** The view as a map of plain values (decimals as BigDecimal), for MCP structured content. */
    public static Map<String, Object> asMap(Object view) {
        return Json.mapper().convertValue(view, MAP);
    }

    /** USD as a plain decimal with at most six places and no trailing zeros ("12.5", "0", "-3"). */
    static void usd(JsonGenerator g, String field, Money m) throws IOException {
        g.writeFieldName(field);
        if (m == null) {
            g.writeNull();
        } else {
            g.writeNumber(plainUsd(m.micros()));
        }
    }

    /** The same text as {@code BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString()}. */
    static String plainUsd(long micros) {
        long whole = micros / 1_000_000;
        long frac = Math.abs(micros % 1_000_000);
        StringBuilder sb = new StringBuilder(24);
        if (micros < 0 && whole == 0) {
            sb.append('-');
        }
        sb.append(whole);
        if (frac != 0) {
            int digits = 6;
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            sb.append('.');
            String f = Long.toString(frac);
            for (int i = f.length(); i < digits; i++) {
                sb.append('0');
            }
            sb.append(f);
        }
        return sb.toString();
    }
}
