package io.tekton.penia.it.security;

import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18, item 9: the server serves at most {@code server.max_concurrent_requests}
 * ({@code PENIA_MAX_CONCURRENT_REQUESTS}) requests at once; one more is answered 503
 * {@code unavailable} with {@code Retry-After} at once and does nothing, and once a request in
 * progress ends there is room again.
 */
@PeniaServerTest(env = "PENIA_MAX_CONCURRENT_REQUESTS=2")
class RequestLimitTest {
    static TestServer t;

    static String usage(String component) {
        return TestServer.json(Map.of("component", component, "provider", "openai", "model", "gpt-4o",
                "input_tokens", 1, "output_tokens", 1, "cost", new BigDecimal("0.25")));
    }

    /** A record request whose body is still arriving: it is in progress until the rest is sent. */
    static Socket slowRecord(String body) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", t.port()), 5000);
        s.setSoTimeout(10_000);
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /api/v1/usage/record HTTP/1.1\r\nHost: 127.0.0.1:" + t.port()
                + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + content.length
                + "\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(content, 0, 1);
        out.flush();
        return s;
    }

    static int finish(Socket s, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(content, 1, content.length - 1);
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.append((char) b);
        }
        s.close();
        return Integer.parseInt(line.toString().split(" ")[1]);
    }

    static int ledgerRows(String component) {
        TestServer.Resp r = t.get("/api/v1/usage/records?component=" + component + "&limit=100");
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.get("items").size();
    }

    @Test
    void overTheBound_aRequestIsRefused503WithRetryAfter_andDoesNothing_thenRoomAgain() throws Exception {
        String held = "limit-held-" + System.nanoTime();
        String extra = "limit-extra-" + System.nanoTime();
        String body = usage(held);
        List<Socket> inProgress = new ArrayList<>();
        inProgress.add(slowRecord(body));
        inProgress.add(slowRecord(body));
        // Both are being served (their handlers wait for the rest of the body): the bound is reached.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> t.get("/health").status() == 503);

        TestServer.Resp refused = t.postRaw("/api/v1/usage/record", usage(extra));
        assertThat(refused.status()).as(refused.raw()).isEqualTo(503);
        assertThat(refused.get("error").get("code").asText()).isEqualTo("unavailable");
        assertThat(refused.http().headers().firstValue("Retry-After")).hasValue("1");

        assertThat(finish(inProgress.get(0), body)).isEqualTo(201);
        assertThat(finish(inProgress.get(1), body)).isEqualTo(201);
        // Room again; the refused records did nothing, the served ones are in the ledger.
        TestServer.Resp ok = t.postRaw("/api/v1/usage/record", usage(held));
        assertThat(ok.status()).as(ok.raw()).isEqualTo(201);
        assertThat(ledgerRows(held)).isEqualTo(3);
        assertThat(ledgerRows(extra)).isZero();
    }
}
