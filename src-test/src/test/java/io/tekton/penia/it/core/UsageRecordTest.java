package io.tekton.penia.it.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.tekton.penia.it.core.Ledger.assertError;
import static io.tekton.penia.it.core.Ledger.assertUsd;
import static io.tekton.penia.it.core.Ledger.enc;
import static io.tekton.penia.it.core.Ledger.uniq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /usage/record} written, then read back through the budget summary, the usage
 * summary and the ledger pages (SPEC §3 "Usage").
 */
@PeniaServerTest
class UsageRecordTest {
    static TestServer t;

    static Map<String, Object> usage(String component, String provider, String model, long in, long out) {
        return PeniaClient.usage(component, provider, model, in, out, null);
    }

    static Map<String, JsonNode> groupsBy(JsonNode summary, String key) {
        Map<String, JsonNode> m = new HashMap<>();
        for (JsonNode g : summary.get("groups")) {
            assertThat(m.put(g.get(key).asText(), g)).as("one group per " + key).isNull();
        }
        return m;
    }

    static JsonNode usageSummary(Map<String, Object> body) {
        TestServer.Resp r = t.post("/api/v1/usage/summary", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    @Test
    void record_thenBudgetSummary_showsExactSpentAndBreakdowns() {
        String component = uniq("usage-sum");
        String other = uniq("usage-other");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "100"));

        Ledger.record(t, component, "openai", "gpt-4o", 100, 10, "0.1");
        Ledger.record(t, component, "openai", "gpt-4o-mini", 200, 20, "0.000001");
        Ledger.record(t, component, "anthropic", "claude-sonnet-4-5", 300, 30, "0.25");
        Ledger.record(t, other, "openai", "gpt-4o", 1, 1, "7");

        JsonNode s = Ledger.summary(t, id);
        assertThat(s.get("budget_id").asText()).isEqualTo(id);
        JsonNode monthly = s.get("periods").get("monthly");
        assertUsd(monthly.get("spent"), "0.350001");
        assertUsd(monthly.get("reserved"), "0");
        assertUsd(monthly.get("limit"), "100");
        assertUsd(monthly.get("remaining"), "99.649999");
        assertThat(monthly.get("percent").decimalValue()).isBetween(new BigDecimal("0.35"), new BigDecimal("0.36"));
        assertThat(Instant.parse(monthly.get("period_start").asText()))
                .isBefore(Instant.parse(monthly.get("period_end").asText()));
        assertThat(monthly.get("projected").decimalValue()).isGreaterThanOrEqualTo(new BigDecimal("0.350001"));
        assertUsd(monthly.get("spent"), Ledger.ledgerSum(t, component));

        Map<String, JsonNode> byProvider = groupsByField(s.get("by_provider"), "provider");
        assertThat(byProvider.keySet()).containsExactlyInAnyOrder("openai", "anthropic");
        assertUsd(byProvider.get("openai").get("cost"), "0.100001");
        assertThat(byProvider.get("openai").get("count").asLong()).isEqualTo(2);
        assertUsd(byProvider.get("anthropic").get("cost"), "0.25");
        Map<String, JsonNode> byModel = groupsByField(s.get("by_model"), "model");
        assertThat(byModel.keySet()).containsExactlyInAnyOrder("gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5");
        assertUsd(byModel.get("gpt-4o").get("cost"), "0.1");
        assertThat(byModel.get("gpt-4o").get("input_tokens").asLong()).isEqualTo(100);
        assertUsd(byModel.get("gpt-4o-mini").get("cost"), "0.000001");
        Map<String, JsonNode> byComponent = groupsByField(s.get("by_component"), "component");
        assertThat(byComponent.keySet()).containsExactly(component);
        assertUsd(byComponent.get(component).get("cost"), "0.350001");
        assertThat(byComponent.get(component).get("count").asLong()).isEqualTo(3);
        assertThat(byComponent.get(component).get("output_tokens").asLong()).isEqualTo(60);
    }

    static Map<String, JsonNode> groupsByField(JsonNode list, String key) {
        Map<String, JsonNode> m = new HashMap<>();
        list.forEach(g -> assertThat(m.put(g.get(key).asText(), g)).as("one entry per " + key).isNull());
        return m;
    }

    @Test
    void record_thenUsageSummary_groupsByProviderModelComponentDayHour() {
        String c1 = uniq("usage-grp1");
        String c2 = uniq("usage-grp2");
        String p1 = uniq("prov-a");
        String p2 = uniq("prov-b");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        record Row(String component, String provider, String model, Instant ts, String cost, long in, long out) {
        }
        List<Row> rows = List.of(
                new Row(c1, p1, "m-x", now.minus(2, ChronoUnit.HOURS), "0.000123", 10, 1),
                new Row(c1, p1, "m-y", now.minus(1, ChronoUnit.HOURS), "1.5", 20, 2),
                new Row(c1, p2, "m-x", now.minus(1, ChronoUnit.HOURS), "0.25", 30, 3),
                new Row(c1, p2, "m-y", now, "2", 40, 4),
                new Row(c2, p1, "m-x", now, "10", 50, 5));
        for (Row r : rows) {
            Map<String, Object> body = PeniaClient.usage(r.component(), r.provider(), r.model(), r.in(), r.out(),
                    r.cost());
            body.put("timestamp", r.ts().toString());
            JsonNode rec = Ledger.record(t, body);
            assertThat(rec.get("timestamp").asText()).isEqualTo(r.ts().toString());
        }
        Instant start = now.minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
        Instant end = now.truncatedTo(ChronoUnit.HOURS).plus(2, ChronoUnit.HOURS);
        List<Row> mine = rows.stream().filter(r -> r.component().equals(c1)).toList();

        JsonNode s = usageSummary(Map.of("component", c1, "start", start.toString(), "end", end.toString(),
                "group_by", List.of("provider")));
        assertUsd(s.get("total_cost"), "3.750123");
        assertThat(s.get("count").asLong()).isEqualTo(4);
        assertThat(s.get("total_input_tokens").asLong()).isEqualTo(100);
        assertThat(s.get("total_output_tokens").asLong()).isEqualTo(10);
        Map<String, JsonNode> byProvider = groupsBy(s, "provider");
        assertThat(byProvider.keySet()).containsExactlyInAnyOrder(p1, p2);
        assertUsd(byProvider.get(p1).get("cost"), "1.500123");
        assertUsd(byProvider.get(p2).get("cost"), "2.25");
        assertThat(byProvider.get(p2).get("count").asLong()).isEqualTo(2);

        Map<String, JsonNode> byModel = groupsBy(usageSummary(Map.of("component", c1, "start", start.toString(),
                "end", end.toString(), "group_by", List.of("model"))), "model");
        assertUsd(byModel.get("m-x").get("cost"), "0.250123");
        assertUsd(byModel.get("m-y").get("cost"), "3.5");

        Map<String, JsonNode> byComponent = groupsBy(usageSummary(Map.of("provider", p1, "start", start.toString(),
                "end", end.toString(), "group_by", List.of("component"))), "component");
        assertThat(byComponent.keySet()).containsExactlyInAnyOrder(c1, c2);
        assertUsd(byComponent.get(c1).get("cost"), "1.500123");
        assertUsd(byComponent.get(c2).get("cost"), "10");

        // Day and hour groups: expected sums computed here from the timestamps (zone UTC).
        Map<String, BigDecimal> days = new TreeMap<>();
        Map<String, BigDecimal> hours = new TreeMap<>();
        for (Row r : mine) {
            days.merge(r.ts().atZone(ZoneOffset.UTC).toLocalDate().toString(), new BigDecimal(r.cost()), BigDecimal::add);
            hours.merge(r.ts().truncatedTo(ChronoUnit.HOURS).toString(), new BigDecimal(r.cost()), BigDecimal::add);
        }
        JsonNode byDay = usageSummary(Map.of("component", c1, "start", start.toString(), "end", end.toString(),
                "group_by", List.of("day")));
        assertThat(groupsBy(byDay, "day").keySet()).containsExactlyInAnyOrderElementsOf(days.keySet());
        days.forEach((d, cost) -> assertUsd(groupsBy(byDay, "day").get(d).get("cost"), cost));
        JsonNode byHour = usageSummary(Map.of("component", c1, "start", start.toString(), "end", end.toString(),
                "group_by", List.of("hour")));
        assertThat(groupsBy(byHour, "hour").keySet()).containsExactlyInAnyOrderElementsOf(hours.keySet());
        hours.forEach((h, cost) -> assertUsd(groupsBy(byHour, "hour").get(h).get("cost"), cost));
        List<String> hourOrder = new ArrayList<>();
        byHour.get("groups").forEach(g -> hourOrder.add(g.get("hour").asText()));
        assertThat(hourOrder).as("time groups in time order").isSorted();

        // Two dimensions at once, and the default range (the current month) includes "now".
        JsonNode both = usageSummary(Map.of("component", c1, "start", start.toString(), "end", end.toString(),
                "group_by", List.of("provider", "model")));
        assertThat(both.get("groups").size()).isEqualTo(4);
        JsonNode month = usageSummary(Map.of("component", c1, "period", "monthly"));
        assertThat(month.get("count").asLong()).isBetween(1L, 4L);
        assertError(t.post("/api/v1/usage/summary", Map.of("group_by", List.of("colour"))), 400, "invalid_argument");
    }

    @Test
    void records_byBudgetId_showOnlyTheBudgetsScope() {
        String component = uniq("usage-bybudget");
        String model = uniq("m-in");
        String id = Ledger.budget(t, Map.of("name", "scoped", "scope", Map.of("component", component, "model", model),
                "limits", Map.of("monthly", 10)));
        Ledger.record(t, component, "openai", model, 1, 1, "1");
        Ledger.record(t, component, "openai", "m-out", 1, 1, "2");
        Ledger.record(t, uniq("usage-elsewhere"), "openai", model, 1, 1, "4");

        TestServer.Resp r = t.get("/api/v1/usage/records?budget_id=" + enc(id));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.get("items").size()).isEqualTo(1);
        assertThat(r.get("items").get(0).get("model").asText()).isEqualTo(model);
        assertThat(r.get("next_cursor").isNull()).isTrue();
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "1");
        assertUsd(usageSummary(Map.of("budget_id", id)).get("total_cost"), "1");

        // A filter outside the budget's scope narrows it to nothing; it never widens it.
        for (String q : List.of("&model=m-out", "&component=" + enc(uniq("x")), "&provider=" + enc(uniq("p")))) {
            TestServer.Resp none = t.get("/api/v1/usage/records?budget_id=" + enc(id) + q);
            assertThat(none.status()).as(none.raw()).isEqualTo(200);
            assertThat(none.get("items").size()).as(q).isZero();
            assertThat(none.get("next_cursor").isNull()).as(q + " " + none.raw()).isTrue();
        }
        JsonNode outside = usageSummary(Map.of("budget_id", id, "model", "m-out"));
        assertUsd(outside.get("total_cost"), "0");
        assertThat(outside.get("count").asLong()).isZero();
    }

    /** ISO times in a query as curl and most clients send them: with raw ':' (no %3A). */
    @Test
    void records_timeRangeWithRawColons_filterTheRows() {
        String component = uniq("usage-colons");
        Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "0.5");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String around = "start=" + now.minus(1, ChronoUnit.HOURS) + "&end=" + now.plus(1, ChronoUnit.HOURS);
        String later = "start=" + now.plus(1, ChronoUnit.HOURS) + "&end=" + now.plus(2, ChronoUnit.HOURS);
        assertThat(around).contains(":").doesNotContain("%3A");
        TestServer.Resp in = t.get("/api/v1/usage/records?component=" + enc(component) + "&" + around);
        assertThat(in.status()).as(in.raw()).isEqualTo(200);
        assertThat(in.get("items").size()).isEqualTo(1);
        assertUsd(in.get("items").get(0).get("cost"), "0.5");
        TestServer.Resp out = t.get("/api/v1/usage/records?component=" + enc(component) + "&" + later);
        assertThat(out.status()).as(out.raw()).isEqualTo(200);
        assertThat(out.get("items").size()).isZero();
        // A raw ':' anywhere else in a query is taken too (a model name of a fine-tuned model).
        TestServer.Resp ft = t.get("/api/v1/usage/records?component=" + enc(component) + "&model=ft:gpt-4o:acme");
        assertThat(ft.status()).as(ft.raw()).isEqualTo(200);
        assertThat(ft.get("items").size()).isZero();
    }

    /** The summary's filters may also come in a "filters" object; one field both ways is refused. */
    @Test
    void usageSummary_filtersObject_equalsFlatFilters() {
        String component = uniq("usage-filters");
        Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "0.25");
        Ledger.record(t, component, "anthropic", "claude-x", 1, 1, "0.5");
        JsonNode flat = usageSummary(Map.of("component", component, "provider", "anthropic"));
        JsonNode nested = usageSummary(Map.of("filters", Map.of("component", component, "provider", "anthropic")));
        assertUsd(flat.get("total_cost"), "0.5");
        assertThat(nested).isEqualTo(flat);
        JsonNode mixed = usageSummary(Map.of("component", component, "filters", Map.of("provider", "openai")));
        assertUsd(mixed.get("total_cost"), "0.25");
        assertError(t.post("/api/v1/usage/summary", Map.of("component", component,
                "filters", Map.of("component", component))), 400, "invalid_argument");
        assertError(t.post("/api/v1/usage/summary", Map.of("filters", Map.of("planet", "mars"))), 400, "unknown_field");
        assertError(t.post("/api/v1/usage/summary", Map.of("filters", "component")), 400, "invalid_argument");
    }

    @Test
    void usageSummary_anyWindow_equalsSumOfLedgerRows() {
        String component = uniq("usage-window");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant recent = now.minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
        Instant old = now.minus(45, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        long[] offsets = {0, 1, 61, 899, 900, 901, 1799, 3600, 5000, 7199, 9000};
        List<Instant> stamps = new ArrayList<>();
        for (Instant base : List.of(recent, old)) {
            for (long o : offsets) {
                stamps.add(base.plusSeconds(o));
            }
        }
        Map<Instant, BigDecimal> costs = new TreeMap<>();
        int n = 0;
        for (Instant ts : stamps) {
            n++;
            Map<String, Object> body = usage(component, "openai", "gpt-4o", n, n);
            BigDecimal cost = new BigDecimal("0.010007").multiply(BigDecimal.valueOf(n));
            body.put("cost", cost);
            body.put("timestamp", ts.toString());
            Ledger.record(t, body);
            costs.put(ts, cost);
        }
        List<Instant[]> windows = new ArrayList<>();
        for (Instant base : List.of(recent, old)) {
            windows.add(new Instant[]{base, base.plusSeconds(3 * 3600)});
            windows.add(new Instant[]{base.plusSeconds(1), base.plusSeconds(900)});
            windows.add(new Instant[]{base.plusSeconds(61), base.plusSeconds(5000)});
            windows.add(new Instant[]{base.plusSeconds(450), base.plusSeconds(7200).plusMillis(1)});
            windows.add(new Instant[]{base.minusSeconds(7), base.plusSeconds(901)});
            windows.add(new Instant[]{base.plusSeconds(900), base.plusSeconds(1800)});
            windows.add(new Instant[]{base.plusSeconds(2), base.plusSeconds(3)});
        }
        windows.add(new Instant[]{old, now.plusSeconds(60)});
        for (Instant[] w : windows) {
            BigDecimal expected = BigDecimal.ZERO;
            long count = 0;
            for (Map.Entry<Instant, BigDecimal> e : costs.entrySet()) {
                if (!e.getKey().isBefore(w[0]) && e.getKey().isBefore(w[1])) {
                    expected = expected.add(e.getValue());
                    count++;
                }
            }
            String label = "[" + w[0] + ", " + w[1] + ")";
            JsonNode s = usageSummary(Map.of("component", component, "start", w[0].toString(), "end", w[1].toString()));
            assertThat(s.get("total_cost").decimalValue()).as(label).isEqualByComparingTo(expected);
            assertThat(s.get("count").asLong()).as(label).isEqualTo(count);
            List<JsonNode> rows = Ledger.rows(t, "component=" + enc(component) + "&start=" + enc(w[0].toString())
                    + "&end=" + enc(w[1].toString()), 1000);
            assertThat(rows).as(label).hasSize((int) count);
            assertThat(Ledger.sum(rows)).as(label).isEqualByComparingTo(expected);
        }
        // Open-ended ranges (start only, end only), grouped by day and not by time.
        BigDecimal all = costs.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal recentOnly = costs.entrySet().stream().filter(e -> !e.getKey().isBefore(recent))
                .map(Map.Entry::getValue).reduce(BigDecimal.ZERO, BigDecimal::add);
        for (List<String> groupBy : List.of(List.<String>of(), List.of("day"), List.of("provider"))) {
            JsonNode from = usageSummary(Map.of("component", component, "start", old.toString(), "group_by", groupBy));
            assertThat(from.get("total_cost").decimalValue()).as("from " + old + " " + groupBy).isEqualByComparingTo(all);
            JsonNode since = usageSummary(Map.of("component", component, "start", recent.toString(), "group_by", groupBy));
            assertThat(since.get("total_cost").decimalValue()).as("from " + recent + " " + groupBy)
                    .isEqualByComparingTo(recentOnly);
            JsonNode until = usageSummary(Map.of("component", component, "end", now.plusSeconds(60).toString(),
                    "group_by", groupBy));
            assertThat(until.get("total_cost").decimalValue()).as("until now " + groupBy).isEqualByComparingTo(all);
            BigDecimal groups = BigDecimal.ZERO;
            for (JsonNode g : from.get("groups")) {
                groups = groups.add(g.get("cost").decimalValue());
            }
            assertThat(groups).as("groups of " + groupBy).isEqualByComparingTo(groupBy.isEmpty() ? BigDecimal.ZERO : all);
        }
    }

    @Test
    void record_unusualNames_areFoundByEveryFilter() {
        String component = uniq("Comp onent/ü \"quoted\" & ?x=1 #frag");
        String provider = uniq("prov+plus");
        String model = uniq("model:v1.5/😀");
        String id = Ledger.budget(t, Map.of("name", "unusual", "scope", Map.of("component", component,
                "provider", provider), "limits", Map.of("monthly", 10)));
        JsonNode rec = Ledger.record(t, component, provider, model, 1, 1, "0.5");
        assertThat(rec.get("component").asText()).isEqualTo(component);
        assertThat(rec.get("model").asText()).isEqualTo(model);

        List<JsonNode> rows = Ledger.rows(t, "component=" + enc(component) + "&provider=" + enc(provider)
                + "&model=" + enc(model), 10);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("model").asText()).isEqualTo(model);
        TestServer.Resp budgets = t.get("/api/v1/budgets?component=" + enc(component) + "&provider=" + enc(provider));
        assertThat(budgets.get("items").findValuesAsText("budget_id")).containsExactly(id);
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.5");
        assertUsd(usageSummary(Map.of("component", component, "model", model)).get("total_cost"), "0.5");
    }

    @Test
    void record_knownModel_computesCostFromCatalogPrice() {
        String component = uniq("usage-priced");
        String id = Ledger.componentBudget(t, component, Map.of("daily", "50"));
        TestServer.Resp price = t.get("/api/v1/prices/openai/gpt-4o");
        assertThat(price.status()).as(price.raw()).isEqualTo(200);
        BigDecimal in = price.get("input_per_token").decimalValue();
        BigDecimal out = price.get("output_per_token").decimalValue();
        JsonNode cacheRead = price.get("cache_read_per_token");
        BigDecimal cached = cacheRead == null || cacheRead.isNull() ? in : cacheRead.decimalValue();
        String version = price.get("price_version").asText();
        assertThat(version).isNotBlank();

        JsonNode rec = Ledger.record(t, usage(component, "openai", "gpt-4o", 12_345, 6_789));

        BigDecimal expected = in.multiply(BigDecimal.valueOf(12_345)).add(out.multiply(BigDecimal.valueOf(6_789)))
                .setScale(6, RoundingMode.HALF_UP);
        assertThat(rec.get("cost_source").asText()).isEqualTo("computed");
        assertThat(rec.get("price_version").asText()).isEqualTo(version);
        assertThat(rec.get("cost").decimalValue()).isPositive();
        assertUsd(rec.get("cost"), expected);

        // Cached prompt tokens are part of input_tokens and priced at the cache-read price.
        Map<String, Object> withCache = usage(component, "openai", "gpt-4o", 12_345, 6_789);
        withCache.put("cached_input_tokens", 10_000);
        JsonNode rec2 = Ledger.record(t, withCache);
        BigDecimal expected2 = in.multiply(BigDecimal.valueOf(2_345)).add(cached.multiply(BigDecimal.valueOf(10_000)))
                .add(out.multiply(BigDecimal.valueOf(6_789))).setScale(6, RoundingMode.HALF_UP);
        assertUsd(rec2.get("cost"), expected2);

        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1).get("record_id").asText()).isEqualTo(rec.get("record_id").asText());
        assertUsd(rows.get(1).get("cost"), expected);
        assertThat(rows.get(1).get("cost_source").asText()).isEqualTo("computed");
        assertThat(rows.get(1).get("price_version").asText()).isEqualTo(version);
        assertUsd(Ledger.period(t, id, "daily").get("spent"), expected.add(expected2));
    }

    @Test
    void record_response_equalsTheLedgerRow() {
        String component = uniq("usage-echo");
        Map<String, Object> body = usage(component, "openai", "gpt-4o", 1_000, 500);
        body.put("cached_input_tokens", 200);
        body.put("reasoning_tokens", 100);
        body.put("request_id", uniq("req"));
        JsonNode written = Ledger.record(t, body);
        JsonNode unstamped = Ledger.record(t, usage(component, "anthropic", "claude-sonnet-4-5", 10, 10));

        List<JsonNode> rows = Ledger.rows(t, component);

        assertThat(rows).hasSize(2);
        for (JsonNode[] pair : List.of(new JsonNode[]{written, rows.get(1)}, new JsonNode[]{unstamped, rows.get(0)})) {
            JsonNode w = pair[0];
            JsonNode row = pair[1];
            row.fieldNames().forEachRemaining(f -> assertThat(w.get(f)).as("field " + f + " of " + row).isEqualTo(row.get(f)));
        }
        assertThat(Instant.parse(unstamped.get("timestamp").asText())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void record_reportedCost_isKeptAsReported() {
        String component = uniq("usage-reported");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        Map<String, Object> body = PeniaClient.usage(component, "openai", "gpt-4o", 1_000_000, 1_000_000, "0.123456");

        JsonNode rec = Ledger.record(t, body);

        assertThat(rec.get("cost_source").asText()).isEqualTo("reported");
        assertUsd(rec.get("cost"), "0.123456");
        assertThat(rec.get("price_version").isNull()).isTrue();
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(1);
        assertUsd(rows.getFirst().get("cost"), "0.123456");
        assertThat(rows.getFirst().get("cost_source").asText()).isEqualTo("reported");
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.123456");
    }

    @Test
    void record_unknownModel_isUnpricedWithZeroCostAndRaisesAlert() {
        String component = uniq("usage-unpriced");
        String model = uniq("no-such-model");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));

        JsonNode rec = Ledger.record(t, usage(component, "openai", model, 500, 500));

        assertThat(rec.get("cost_source").asText()).isEqualTo("unpriced");
        assertUsd(rec.get("cost"), "0");
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("cost_source").asText()).isEqualTo("unpriced");
        assertThat(rows.getFirst().get("model").asText()).isEqualTo(model);
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0");
        TestServer.Resp alerts = t.get("/api/v1/alerts?limit=1000");
        assertThat(alerts.status()).as(alerts.raw()).isEqualTo(200);
        List<JsonNode> unpriced = new ArrayList<>();
        alerts.get("items").forEach(a -> {
            if ("unpriced_usage".equals(a.path("alert_type").asText()) && a.path("message").asText().contains(model)) {
                unpriced.add(a);
            }
        });
        assertThat(unpriced).as(alerts.raw()).hasSize(1);
        assertThat(unpriced.getFirst().get("severity").asText()).isNotBlank();
        assertThat(unpriced.getFirst().get("is_dismissed").asBoolean()).isFalse();
    }

    @Test
    void record_costBelowHalfAMicroDollar_isLedgeredAsZero() {
        String component = uniq("usage-tiny");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        for (String tiny : List.of("0.0000004", "1e-999999999")) {
            TestServer.Resp r = t.postRaw("/api/v1/usage/record", "{\"component\":\"" + component + "\","
                    + "\"provider\":\"openai\",\"model\":\"gpt-4o\",\"input_tokens\":1,\"output_tokens\":1,"
                    + "\"cost\":" + tiny + "}");
            assertThat(r.status()).as(r.raw()).isEqualTo(201);
            assertUsd(r.get("cost"), "0");
            assertThat(r.get("cost_source").asText()).isEqualTo("reported");
        }
        Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "0.0000005");
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(3);
        assertUsd(rows.getFirst().get("cost"), "0.000001");
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.000001");
    }

    @Test
    void record_bodyAtTheSizeLimit_isAcceptedAndOneByteMoreIsNot() {
        String component = uniq("usage-size");
        int max = t.server().config().server().maxBodyBytes();
        String json = TestServer.json(usage(component, "openai", "gpt-4o", 1, 1)).replace("}", ",\"cost\":0.01}");
        String atLimit = json + " ".repeat(max - json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(atLimit.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(max);

        TestServer.Resp ok = t.postRaw("/api/v1/usage/record", atLimit);
        TestServer.Resp tooBig = t.postRaw("/api/v1/usage/record", atLimit + " ");

        assertThat(ok.status()).as(ok.raw()).isEqualTo(201);
        assertError(tooBig, 413, "payload_too_large");
        assertThat(Ledger.rows(t, component)).hasSize(1);
    }

    @Test
    void record_sameRequestId_isIdempotent() {
        String component = uniq("usage-idem");
        String id = Ledger.componentBudget(t, component, Map.of("monthly", "10"));
        Map<String, Object> body = PeniaClient.usage(component, "openai", "gpt-4o", 10, 10, "0.42");
        body.put("request_id", uniq("req"));

        TestServer.Resp first = t.post("/api/v1/usage/record", body);
        TestServer.Resp second = t.post("/api/v1/usage/record", body);

        assertThat(first.status()).as(first.raw()).isEqualTo(201);
        assertThat(second.status()).as(second.raw()).isEqualTo(200);
        assertThat(second.get("record_id").asText()).isEqualTo(first.get("record_id").asText());
        assertUsd(second.get("cost"), "0.42");
        List<JsonNode> rows = Ledger.rows(t, component);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("record_id").asText()).isEqualTo(first.get("record_id").asText());
        assertUsd(Ledger.period(t, id, "monthly").get("spent"), "0.42");
        JsonNode s = usageSummary(Map.of("component", component));
        assertThat(s.get("count").asLong()).isEqualTo(1);
        assertUsd(s.get("total_cost"), "0.42");
    }

    @Test
    void records_paging250_returnsEachRecordOnceNewestFirst() {
        String component = uniq("usage-page");
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            Map<String, Object> body = PeniaClient.usage(component, "openai", "gpt-4o", i, 1, "0.000001");
            body.put("timestamp", base.plusSeconds(i).toString());
            written.add(Ledger.record(t, body).get("record_id").asText());
        }

        List<JsonNode> all = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String cursor = null;
        JsonNode lastCursor;
        do {
            TestServer.Resp r = t.get("/api/v1/usage/records?limit=100&component=" + enc(component)
                    + (cursor == null ? "" : "&cursor=" + enc(cursor)));
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            r.get("items").forEach(all::add);
            pageSizes.add(r.get("items").size());
            lastCursor = r.get("next_cursor");
            cursor = lastCursor.isNull() ? null : lastCursor.asText();
        } while (cursor != null && pageSizes.size() < 10);

        assertThat(pageSizes).containsExactly(100, 100, 50);
        assertThat(lastCursor.isNull()).as("the last page has next_cursor null").isTrue();
        Set<String> ids = new HashSet<>();
        all.forEach(r -> ids.add(r.get("record_id").asText()));
        assertThat(ids).hasSize(250).containsExactlyInAnyOrderElementsOf(written);
        List<Long> order = all.stream().map(r -> r.get("input_tokens").asLong()).toList();
        for (int i = 0; i < 250; i++) {
            assertThat(order.get(i)).as("newest first at position " + i).isEqualTo(249 - i);
        }
        assertThat(all.getFirst().get("timestamp").asText()).isEqualTo(base.plusSeconds(249).toString());
        assertThat(all.getLast().get("record_id").asText()).isEqualTo(written.getFirst());
    }

    @Test
    void records_badCursorOrLimit_is400() {
        String component = uniq("usage-cursor");
        Ledger.record(t, component, "openai", "gpt-4o", 1, 1, "0.01");
        for (String cursor : List.of("not-a-cursor", "%21%21%21", "eDEyMw", "czEyMw-x")) {
            TestServer.Resp r = t.get("/api/v1/usage/records?component=" + enc(component) + "&cursor=" + cursor);
            JsonNode e = assertError(r, 400, "invalid_argument");
            assertThat(e.get("details").get("field").asText()).as(r.raw()).isEqualTo("cursor");
        }
        for (String limit : List.of("0", "-1", "abc", "1000001")) {
            assertError(t.get("/api/v1/usage/records?limit=" + limit), 400, "invalid_argument");
        }
        assertThat(Ledger.rows(t, component)).hasSize(1);
    }
}
