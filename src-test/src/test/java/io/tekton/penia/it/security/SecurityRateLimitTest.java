package io.tekton.penia.it.security;

import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Token buckets per key: a burst beyond the bucket gets 429 with {@code Retry-After} and the
 * error envelope, changes nothing, and leaves every other key (and the unauthenticated) alone.
 * Each test has its own server with a small bucket (burst 5, 1 request per second).
 */
@PeniaServerTest(env = {"PENIA_RATE_LIMIT_RPS=1", "PENIA_RATE_LIMIT_BURST=" + SecurityRateLimitTest.BURST}, adminKey = true, perTest = true)
class SecurityRateLimitTest {
    static final int BURST = 5;
    TestServer t;

    @Test
    void burstBeyondTheBucket_gets429WithRetryAfter_whileAnotherKeyIsUnaffected() {
        String a = Sec.secret(t, "viewer", null);
        String b = Sec.secret(t, "viewer", null);
        List<TestServer.Resp> answers = new ArrayList<>();
        for (int i = 0; i < 3 * BURST; i++) {
            answers.add(Sec.get(t, a, "/api/v1/budgets"));
        }
        List<Integer> statuses = answers.stream().map(TestServer.Resp::status).toList();
        assertThat(statuses.subList(0, BURST)).containsOnly(200);
        assertThat(statuses).contains(429);
        // At 1 per second a few may be refilled while the burst runs, never many.
        assertThat(statuses.stream().filter(s -> s == 200).count()).isLessThanOrEqualTo(BURST + 3);
        TestServer.Resp limited = answers.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
        assertThat(limited.body().get("error").get("code").asText()).isEqualTo("rate_limited");
        long retryAfter = Long.parseLong(limited.http().headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isGreaterThanOrEqualTo(1);

        assertThat(Sec.get(t, b, "/api/v1/budgets").status()).isEqualTo(200);
        // The limited key gets going again once a token has been refilled.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> Sec.get(t, a, "/api/v1/budgets").status() == 200);
    }

    @Test
    void aRateLimitedWrite_changesNothing() {
        String writer = Sec.secret(t, "component", "limited");
        String reader = Sec.secret(t, "viewer", null);
        String budget = Sec.budget(t, "limited", null, "100");
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 3 * BURST; i++) {
            int s = Sec.call(t, writer, "POST", "/api/v1/usage/record", Sec.usage("limited", "openai", "0.01")).status();
            if (s == 201) {
                ok++;
            } else {
                assertThat(s).isEqualTo(429);
                limited++;
            }
        }
        assertThat(limited).isPositive();
        // A recorded usage is durable before its answer, so the reads need no waiting.
        TestServer.Resp rows = Sec.get(t, reader, "/api/v1/usage/records?component=limited&limit=100");
        assertThat(rows.status()).isEqualTo(200);
        assertThat(rows.get("items").size()).isEqualTo(ok);
        TestServer.Resp summary = Sec.get(t, reader, "/api/v1/budgets/" + budget + "/summary");
        assertThat(summary.body().get("periods").get("monthly").get("spent").decimalValue())
                .isEqualByComparingTo(new java.math.BigDecimal("0.01").multiply(java.math.BigDecimal.valueOf(ok)));
    }

    @Test
    void guessingKeys_isLimitedPerAddress_andMcpIsLimitedToo() {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3 * BURST; i++) {
            statuses.add(Sec.get(t, "pk_keyguess_" + i, "/api/v1/budgets").status());
        }
        assertThat(statuses.subList(0, BURST)).containsOnly(401);
        assertThat(statuses).contains(429);

        String m = Sec.secret(t, "viewer", null);
        List<TestServer.Resp> mcp = new ArrayList<>();
        for (int i = 0; i < 3 * BURST; i++) {
            mcp.add(Sec.mcpInitialize(t, m));
        }
        TestServer.Resp limited = mcp.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
        assertThat(limited.body().get("error").get("code").asText()).isEqualTo("rate_limited");
        assertThat(limited.http().headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void openMode_isNotLimited() {
        TestServer open = TestServer.start(Map.of("PENIA_RATE_LIMIT_RPS", "1", "PENIA_RATE_LIMIT_BURST",
                String.valueOf(BURST)));
        try {
            for (int i = 0; i < 4 * BURST; i++) {
                assertThat(open.get("/api/v1/budgets").status()).isEqualTo(200);
            }
        } finally {
            open.close();
        }
    }
}
