package io.tekton.penia.it.prices;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /prices} pages through the whole catalog like {@code /usage/records}: limit, cursor, next_cursor. */
@PeniaServerTest
class PricesPagingTest {
    static TestServer t;

    /** Every page of a listing, following next_cursor; checks count and total on each page. */
    static List<String> allPages(String query, int limit) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        Integer total = null;
        for (int page = 0; page < 10_000; page++) {
            TestServer.Resp r = t.get("/api/v1/prices?limit=" + limit + query
                    + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            JsonNode items = r.get("items");
            assertThat(r.get("count").asInt()).as("count is the page's size").isEqualTo(items.size());
            assertThat(items.size()).isLessThanOrEqualTo(limit);
            if (total == null) {
                total = r.get("total").asInt();
            }
            assertThat(r.get("total").asInt()).as("total is the same on every page").isEqualTo(total);
            items.forEach(p -> seen.add(p.get("provider").asText() + "/" + p.get("model").asText()));
            JsonNode next = r.get("next_cursor");
            if (next == null || next.isNull()) {
                assertThat(seen).as("total counts every item of every page").hasSize(total);
                return seen;
            }
            assertThat(items.size()).as("a page with a next cursor is full").isEqualTo(limit);
            cursor = next.asText();
        }
        throw new AssertionError("paging did not end");
    }

    @Test
    void wholeCatalog_isListedAcrossPages_onceEach_withTheCatalogTotal() {
        TestServer.Resp first = t.get("/api/v1/prices?limit=1000");
        int total = first.get("total").asInt();
        assertThat(total).as("the shipped catalog holds more than one page").isGreaterThan(1000);
        assertThat(first.get("next_cursor").isTextual()).isTrue();
        List<String> all = allPages("", 1000);
        assertThat(all).hasSize(total);
        Set<String> unique = new HashSet<>(all);
        assertThat(unique).as("no model twice").hasSize(total);
        // Default page of 100; small pages give the same listing in the same order.
        TestServer.Resp dflt = t.get("/api/v1/prices");
        assertThat(dflt.get("count").asInt()).isEqualTo(100);
        assertThat(dflt.get("total").asInt()).isEqualTo(total);
        assertThat(allPages("", 500)).isEqualTo(all);
    }

    @Test
    void filteredListing_pagesToo_andTotalCountsTheMatches() {
        List<String> openai = allPages("&provider=openai", 7);
        assertThat(openai).isNotEmpty().allMatch(n -> n.startsWith("openai/"));
        List<String> single = allPages("&provider=openai", 1000);
        assertThat(openai).isEqualTo(single);
    }

    @Test
    void priceAddedBetweenPages_isNeitherRepeatedNorSkipped() {
        String provider = "zz-paging-" + Long.toHexString(System.nanoTime());
        for (String m : List.of("m1", "m3", "m5")) {
            assertThat(t.put("/api/v1/prices/" + provider + "/" + m, Map.of("input_per_million", 1,
                    "output_per_million", 2)).status()).isEqualTo(200);
        }
        TestServer.Resp p1 = t.get("/api/v1/prices?provider=" + provider + "&limit=2");
        assertThat(p1.get("total").asInt()).isEqualTo(3);
        assertThat(p1.get("items").get(1).get("model").asText()).isEqualTo("m3");
        assertThat(t.put("/api/v1/prices/" + provider + "/m2", Map.of("input_per_million", 1, "output_per_million", 2))
                .status()).isEqualTo(200);
        assertThat(t.put("/api/v1/prices/" + provider + "/m4", Map.of("input_per_million", 1, "output_per_million", 2))
                .status()).isEqualTo(200);
        TestServer.Resp p2 = t.get("/api/v1/prices?provider=" + provider + "&limit=2&cursor="
                + p1.get("next_cursor").asText());
        List<String> models = new ArrayList<>();
        p2.get("items").forEach(p -> models.add(p.get("model").asText()));
        assertThat(models).containsExactly("m4", "m5");
        assertThat(p2.get("total").asInt()).isEqualTo(5);
        assertThat(p2.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void badCursorOrLimit_isInvalid() {
        for (String q : List.of("cursor=not-a-cursor", "cursor=%25%25", "limit=0", "limit=100001", "limit=x")) {
            TestServer.Resp r = t.get("/api/v1/prices?" + q);
            assertThat(r.status()).as(q + " -> " + r.raw()).isEqualTo(400);
            assertThat(r.get("error").get("code").asText()).isEqualTo("invalid_argument");
        }
    }
}
