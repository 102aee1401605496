package io.tekton.penia.it.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /metrics} by the conventions (issue 20, item 2): a real scrape, after records, checks,
 * alerts, a breaker and an MCP session, passes {@code promtool check metrics}; requests are
 * labelled by route template and status; cost by provider equals the ledger; budget gauges
 * carry spent, held and limit; caller-chosen label values are capped with an {@code other} bucket.
 */
class MetricsTest {
    static TestServer t;

    @BeforeAll
    static void up() {
        t = TestServer.start();
    }

    @AfterAll
    static void down() {
        t.close();
    }

    static String uniq(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void record(TestServer s, String component, String provider, String model, String cost) {
        TestServer.Resp r = s.post("/api/v1/usage/record", Map.of("component", component, "provider", provider,
                "model", model, "input_tokens", 100, "output_tokens", 10, "cost", new BigDecimal(cost)));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
    }

    static JsonNode check(String component, String cost) {
        TestServer.Resp r = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", component,
                "estimated_cost", new BigDecimal(cost)));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    @Test
    void scrape_afterRecordsChecksAlertsAndSessions_passesPromtool_andCarriesTheLabelledSeries() throws Exception {
        String c = uniq("metrics");
        TestServer.Resp b = t.post("/api/v1/budgets", Map.of("name", c, "scope", Map.of("component", c),
                "limits", Map.of("monthly", new BigDecimal("10"))));
        assertThat(b.status()).as(b.raw()).isEqualTo(201);
        String budgetId = b.get("budget_id").asText();
        assertThat(check(c, "1").get("decision").asText()).isEqualTo("allow");
        record(t, c, "openai", "gpt-4o", "3.25");
        record(t, c, "openai", "gpt-4o-mini", "0.50");
        record(t, c, "anthropic", "claude-sonnet-4", "8.25");
        // 120 %: thresholds alert, the breaker opens, a check is blocked.
        assertThat(check(c, "0.01").get("decision").asText()).isEqualTo("block");
        TestServer.Resp held = t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component",
                uniq("other-component"), "estimated_cost", new BigDecimal("0.5"), "reserve", true));
        assertThat(held.status()).as(held.raw()).isEqualTo(200);
        assertThat(t.get("/api/v1/budgets/" + budgetId).status()).isEqualTo(200);
        assertThat(t.get("/api/v1/budgets/" + budgetId + "/summary").status()).isEqualTo(200);
        assertThat(t.get("/api/v1/budgets/no-such-budget").status()).isEqualTo(404);
        McpSyncClient mcp = t.mcpClient();
        Map<String, Double> m;
        try {
            mcp.listTools();
            TestServer.Resp scrape = t.get("/metrics");
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.http().headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertPromtoolClean(scrape.raw());
            m = parse(scrape.raw());
            assertThat(value(m, "penia_mcp_sessions", Map.of())).isGreaterThanOrEqualTo(1);
        } finally {
            mcp.closeGracefully();
        }

        // Cost and records by provider, model and component, equal to what the ledger holds.
        assertThat(value(m, "penia_cost_usd_total", Map.of("component", c, "provider", "openai", "model", "gpt-4o")))
                .isEqualTo(3.25);
        assertThat(sum(m, "penia_cost_usd_total", Map.of("component", c, "provider", "openai"))).isEqualTo(3.75);
        assertThat(sum(m, "penia_cost_usd_total", Map.of("component", c)))
                .isEqualTo(ledgerSum(c).doubleValue()).isEqualTo(12.0);
        assertThat(sum(m, "penia_usage_records_total", Map.of("component", c))).isEqualTo(3);
        assertThat(sum(m, "penia_tokens_total", Map.of("component", c, "direction", "input"))).isEqualTo(300);
        // Budget gauges for the period.
        Map<String, String> monthly = Map.of("budget_id", budgetId, "period", "monthly");
        assertThat(value(m, "penia_budget_spent_usd", monthly)).isEqualTo(12.0);
        assertThat(value(m, "penia_budget_limit_usd", monthly)).isEqualTo(10.0);
        assertThat(value(m, "penia_budget_held_usd", monthly)).isEqualTo(0.0);
        // Checks by decision; breakers, holds and alerts.
        assertThat(value(m, "penia_checks_total", Map.of("decision", "allow"))).isGreaterThanOrEqualTo(2);
        assertThat(value(m, "penia_checks_total", Map.of("decision", "block"))).isGreaterThanOrEqualTo(1);
        assertThat(value(m, "penia_breakers_open", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(value(m, "penia_breaker_transitions_total", Map.of("state", "open"))).isGreaterThanOrEqualTo(1);
        assertThat(value(m, "penia_reservations_active", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(value(m, "penia_alerts_total", Map.of())).isGreaterThanOrEqualTo(3);
        // Requests by route template and status: no raw ids, /api/v1 and /mcp have their own routes.
        assertThat(value(m, "penia_http_requests_seconds_count",
                Map.of("method", "GET", "route", "/api/v1/budgets/{budget_id}", "status", "200"))).isEqualTo(1);
        assertThat(value(m, "penia_http_requests_seconds_count",
                Map.of("method", "GET", "route", "/api/v1/budgets/{budget_id}", "status", "404"))).isEqualTo(1);
        assertThat(value(m, "penia_http_requests_seconds_count", Map.of("method", "POST",
                "route", "/api/v1/usage/record", "status", "201"))).isGreaterThanOrEqualTo(3);
        assertThat(sum(m, "penia_http_requests_seconds_count", Map.of("route", "/mcp"))).isGreaterThanOrEqualTo(2);
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("penia_http_requests_seconds_bucket{")
                && k.contains("route=\"/api/v1/usage/record\"") && k.contains("le=\"+Inf\""));
        assertThat(m.keySet()).noneMatch(k -> k.contains(budgetId) && k.startsWith("penia_http"));
        // The ledger writer's histogram, and JVM and process metrics.
        assertThat(value(m, "penia_ledger_commit_seconds_count", Map.of())).isPositive();
        assertThat(value(m, "penia_ledger_commits_total", Map.of())).isPositive();
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_threads_live_threads"));
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("process_cpu_usage"));
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("process_uptime_seconds"));
    }

    @Test
    void unboundedNames_areCappedWithAnOtherBucket_andMadeUpPathsAreOther() throws Exception {
        try (TestServer s = TestServer.start()) {
            String p = uniq("cap");
            for (int i = 0; i < 105; i++) {
                record(s, p + "-" + i, "openai", "gpt-4o", "0.01");
            }
            for (int i = 0; i < 5; i++) {
                assertThat(s.get("/api/v1/made-up-" + i + "/x").status()).isEqualTo(404);
            }
            String raw = s.get("/metrics").raw();
            assertPromtoolClean(raw);
            Map<String, Double> m = parse(raw);
            long components = m.keySet().stream().filter(k -> k.startsWith("penia_usage_records_total{"))
                    .map(k -> label(k, "component")).distinct().count();
            assertThat(components).isEqualTo(101);
            assertThat(value(m, "penia_usage_records_total", Map.of("component", "other"))).isEqualTo(5);
            assertThat(sum(m, "penia_usage_records_total", Map.of())).isEqualTo(105);
            assertThat(raw).doesNotContain("made-up-");
            assertThat(value(m, "penia_http_requests_seconds_count", Map.of("method", "GET", "route", "other",
                    "status", "404"))).isEqualTo(5);
        }
    }

    // ---- helpers ------------------------------------------------------------------------

    static BigDecimal ledgerSum(String component) {
        BigDecimal s = BigDecimal.ZERO;
        for (JsonNode r : t.get("/api/v1/usage/records?limit=1000&component=" + component).get("items")) {
            s = s.add(r.get("cost").decimalValue());
        }
        return s;
    }

    /** Pipes the scrape into {@code promtool check metrics}; it must exit 0 and print nothing. */
    static void assertPromtoolClean(String scrape) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        assertThat(Files.isExecutable(promtool))
                .as("promtool is needed for this test: apt-get install -y prometheus").isTrue();
        Path in = Files.createTempFile("penia-metrics", ".txt");
        Files.writeString(in, scrape, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(in.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Files.deleteIfExists(in);
        assertThat(out).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Series (name plus labels as printed) to value. */
    static Map<String, Double> parse(String scrape) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : scrape.split("\n")) {
            Matcher x = LINE.matcher(line);
            if (!line.startsWith("#") && x.matches()) {
                m.put(x.group(1) + (x.group(2) == null ? "" : x.group(2)), Double.parseDouble(x.group(3)));
            }
        }
        return m;
    }

    static String label(String series, String name) {
        Matcher x = LABEL.matcher(series);
        while (x.find()) {
            if (x.group(1).equals(name)) {
                return x.group(2);
            }
        }
        return null;
    }

    static boolean matches(String series, String name, Map<String, String> labels) {
        String n = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
        return n.equals(name) && labels.entrySet().stream().allMatch(e -> e.getValue().equals(label(series, e.getKey())));
    }

    /** The value of the one series of {@code name} with these labels (among others). */
    static double value(Map<String, Double> m, String name, Map<String, String> labels) {
        var hits = m.entrySet().stream().filter(e -> matches(e.getKey(), name, labels)).toList();
        assertThat(hits).as(name + " " + labels).hasSize(1);
        return hits.get(0).getValue();
    }

    static double sum(Map<String, Double> m, String name, Map<String, String> labels) {
        return m.entrySet().stream().filter(e -> matches(e.getKey(), name, labels)).mapToDouble(Map.Entry::getValue).sum();
    }
}
