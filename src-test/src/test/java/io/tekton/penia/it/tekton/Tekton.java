package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests as Tekton's own clients send them (read from github.com/ckoons/Tekton, not copied). */
final class Tekton {
    /** Where Tekton's Hephaestus UI is served from: the panel's fetches carry this Origin. */
    static final String HEPHAESTUS_ORIGIN = "http://localhost:8080";

    private Tekton() {
    }

    /**
     * A browser {@code fetch(url)} from the Hephaestus page: a plain GET to
     * {@code http://localhost:PORT} (tekton-urls.js builds the URL from window.BUDGET_PORT
     * with host localhost) carrying the page's Origin, no key, no body.
     */
    static TestServer.Resp panelGet(TestServer t, String pathAndQuery) {
        return t.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port() + pathAndQuery))
                .header("Origin", HEPHAESTUS_ORIGIN)
                .header("Accept", "*/*")
                .GET());
    }

    /** A usage record as Penia takes it; returns the stored record. */
    static JsonNode record(TestServer t, String component, String provider, String model, long in, long out) {
        TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", component, "provider", provider,
                "model", model, "input_tokens", in, "output_tokens", out));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body();
    }

    static void assertUsd(JsonNode actual, String expected) {
        assertThat(actual).as("a JSON number").isNotNull();
        assertThat(actual.isNumber()).as(actual + " is a JSON number").isTrue();
        assertThat(actual.decimalValue()).isEqualByComparingTo(new BigDecimal(expected));
    }
}
