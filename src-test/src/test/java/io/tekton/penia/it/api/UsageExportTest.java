package io.tekton.penia.it.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.engine.Json;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/v1/usage/export}: the rows of {@code /usage/records} with the same filters, streamed. */
@PeniaServerTest
class UsageExportTest {
    static TestServer t;

    static void record(String component, String provider, String cost, String requestId) {
        var body = new java.util.LinkedHashMap<String, Object>(Map.of("component", component, "provider", provider,
                "model", "m-1", "input_tokens", 10, "output_tokens", 5, "cost", new BigDecimal(cost)));
        if (requestId != null) {
            body.put("request_id", requestId);
        }
        TestServer.Resp r = t.post("/api/v1/usage/record", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    /** Every row of /usage/records for the query, following the cursor. */
    static List<JsonNode> records(String query) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = t.get("/api/v1/usage/records?limit=500&" + query + (cursor == null ? "" : "&cursor=" + cursor)).body();
            page.get("items").forEach(out::add);
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        return out;
    }

    @Test
    void jsonLines_areTheRecordsOfTheSameFilters_acrossManyPages() throws Exception {
        String c = "exp-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 2300; i++) {
            int n = i;
            fs.add(pool.submit(() -> record(c, n % 3 == 0 ? "openai" : "anthropic", "0.00" + (n % 9 + 1), null)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        record("exp-other-" + UUID.randomUUID(), "openai", "0.5", null);
        for (String q : List.of("component=" + c, "component=" + c + "&provider=anthropic")) {
            TestServer.Resp r = t.get("/api/v1/usage/export?format=jsonl&" + q);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.http().headers().firstValue("content-type")).hasValue("application/x-ndjson");
            List<JsonNode> lines = new ArrayList<>();
            for (String line : r.raw().split("\n")) {
                lines.add(Json.mapper().readTree(line));
            }
            List<JsonNode> expected = records(q);
            assertThat(expected.size()).isGreaterThan(q.contains("provider") ? 1500 : 2200);
            assertThat(lines).as(q).isEqualTo(expected);
        }
    }

    @Test
    void csv_hasAHeaderAndTheRecordFields_quotedAndSafeForSpreadsheets() {
        String c = "=csv,\"" + UUID.randomUUID() + "\"";
        record(c, "openai", "0.125", "req-" + UUID.randomUUID());
        record(c, "openai", "1.5", null);
        String q = "component=" + java.net.URLEncoder.encode(c, java.nio.charset.StandardCharsets.UTF_8);
        TestServer.Resp r = t.get("/api/v1/usage/export?format=csv&" + q);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.http().headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
        assertThat(r.http().headers().firstValue("content-disposition")).hasValue("attachment; filename=\"penia-usage.csv\"");
        String[] lines = r.raw().split("\r\n");
        assertThat(lines[0]).isEqualTo("record_id,request_id,timestamp,component,provider,model,task_type,input_tokens,output_tokens,"
                + "total_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,cost,cost_source,price_version,reservation_id");
        List<JsonNode> expected = records(q);
        assertThat(lines).hasSize(expected.size() + 1);
        String quoted = "\"'" + c.replace("\"", "\"\"") + "\"";
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            String reqId = e.get("request_id").isNull() ? "" : e.get("request_id").asText();
            assertThat(lines[i + 1]).isEqualTo(String.join(",", e.get("record_id").asText(), reqId,
                    e.get("timestamp").asText(), quoted, "openai", "m-1", "default", "10", "5", "15", "0", "0", "0",
                    e.get("cost").asText(), "reported", "", ""));
        }
        // Without format: CSV. No match: the header alone.
        assertThat(t.get("/api/v1/usage/export?" + q).raw()).isEqualTo(r.raw());
        assertThat(t.get("/api/v1/usage/export?component=nobody-" + UUID.randomUUID()).raw()).isEqualTo(lines[0] + "\r\n");
    }

    @Test
    void badParameters_areRefusedInTheEnvelope_beforeAnyRow() {
        TestServer.Resp f = t.get("/api/v1/usage/export?format=xlsx");
        assertThat(f.status()).isEqualTo(400);
        assertThat(f.body().get("error").get("code").asText()).isEqualTo("invalid_argument");
        assertThat(f.raw()).contains("csv or jsonl");
        assertThat(t.get("/api/v1/usage/export?start=yesterday").status()).isEqualTo(400);
        assertThat(t.get("/api/v1/usage/export?cursor=not-a-cursor").status()).isEqualTo(400);
        assertThat(t.get("/api/v1/usage/export?budget_id=nope").status()).isEqualTo(404);
        assertThat(t.get("/health").status()).isEqualTo(200);
    }
}
