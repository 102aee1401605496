package io.tekton.penia.server.rest;

import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.UsageRecord;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CSV form of {@code GET /api/v1/usage/export}: one header line, then one line per ledger
 * row with the fields of the JSON record view in the same order and the same text
 * (RFC 4180 quoting, CRLF line ends). A text field that a spreadsheet would read as a formula
 * (starting with {@code = + - @}, tab or CR) gets a leading {@code '}.
 */
final class UsageExport {
    /** Rows read from the ledger per query while streaming. */
    static final int PAGE = 2000;

    static final List<String> COLUMNS = List.of("record_id", "request_id", "timestamp", "component", "provider",
            "model", "task_type", "input_tokens", "output_tokens", "total_tokens", "cached_input_tokens", "cache_write_tokens",
            "reasoning_tokens", "cost", "cost_source", "price_version", "reservation_id");

    private static final byte[] HEADER = (String.join(",", COLUMNS) + "\r\n").getBytes(StandardCharsets.UTF_8);

    private UsageExport() {
    }

    static void csvHeader(OutputStream out) throws IOException {
        out.write(HEADER);
    }

    static void csvRow(OutputStream out, UsageRecord r) throws IOException {
        StringBuilder b = new StringBuilder(256);
        text(b, r.recordId()).append(',');
        text(b, r.requestId()).append(',');
        b.append(r.timestamp()).append(',');
        text(b, r.component()).append(',');
        text(b, r.provider()).append(',');
        text(b, r.model()).append(',');
        text(b, r.taskType()).append(',');
        b.append(r.inputTokens()).append(',').append(r.outputTokens()).append(',')
                .append(r.inputTokens() + r.outputTokens()).append(',')
                .append(r.cachedInputTokens()).append(',').append(r.cacheWriteTokens()).append(',')
                .append(r.reasoningTokens()).append(',');
        b.append(usd(r.cost())).append(',');
        text(b, r.costSource()).append(',');
        text(b, r.priceVersion()).append(',');
        text(b, r.reservationId()).append("\r\n");
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON view's text of a cost: plain decimal without trailing zeros; empty for none. */
    static String usd(Money m) {
        return m == null ? "" : BigDecimal.valueOf(m.micros(), 6).stripTrailingZeros().toPlainString();
    }

    /** A text field: empty for null; quoted when it holds a comma, quote or line break. */
    static StringBuilder text(StringBuilder b, String s) {
        if (s == null || s.isEmpty()) {
            return b;
        }
        char c0 = s.charAt(0);
        String v = c0 == '=' || c0 == '+' || c0 == '-' || c0 == '@' || c0 == '\t' || c0 == '\r' ? "'" + s : s;
        boolean quote = false;
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            return b.append(v);
        }
        return b.append('"').append(v.replace("\"", "\"\"")).append('"');
    }
}
