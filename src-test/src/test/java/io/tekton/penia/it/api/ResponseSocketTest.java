package io.tekton.penia.it.api;

import io.helidon.webserver.WebServer;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.PeniaServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How responses leave the server's sockets. Helidon 4.5 writes a response through an 8 KB buffer,
 * one socket write per 8 KB: with Nagle's algorithm on, the last piece of any larger answer waits for
 * the client's delayed ACK (40 ms on Linux) on a keep-alive connection. Accepted connections must
 * therefore have TCP_NODELAY. The option is read on the server's own end of a live connection (the
 * kernel's value, through the channel Helidon accepted), not from configuration; speed itself is
 * measured by the benchmarks.
 */
@PeniaServerTest
class ResponseSocketTest {
    static TestServer t;

    @Test
    void keepAliveConnection_largeResponse_serverSideSocketHasTcpNoDelay() throws Exception {
        for (int i = 0; i < 60; i++) {
            TestServer.Resp r = t.post("/api/v1/usage/record", Map.of("component", "nagle-" + i, "provider", "p",
                    "model", "m-1", "input_tokens", 10, "output_tokens", 5, "cost", new BigDecimal("0.01")));
            assertThat(r.status()).as(r.raw()).isEqualTo(201);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", t.port()), 5000);
            s.setSoTimeout(10_000);
            // Two large answers on one connection: the case that waited for the delayed ACK.
            for (int round = 0; round < 2; round++) {
                s.getOutputStream().write(("GET /api/v1/usage/records?limit=60 HTTP/1.1\r\nHost: 127.0.0.1:" + t.port()
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                String body = readResponse(s.getInputStream());
                assertThat(body.length()).as("a response larger than Helidon's 8 KB write buffer")
                        .isGreaterThan(16 * 1024);
                assertThat(body).contains("\"nagle-59\"").contains("\"nagle-0\"");
            }
            int clientPort = s.getLocalPort();
            SocketChannel serverEnd = await().atMost(Duration.ofSeconds(5))
                    .until(() -> acceptedChannel(t.server(), clientPort), c -> c != null);
            assertThat(serverEnd.getOption(StandardSocketOptions.TCP_NODELAY))
                    .as("TCP_NODELAY on the server's end of the connection from port %d", clientPort).isTrue();
        }
    }

    /** Reads one response with a Content-Length body; returns the body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the headers: " + head);
            }
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        assertThat(headers).startsWith("HTTP/1.1 200");
        int length = -1;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertThat(length).as("Content-Length in %s", headers).isPositive();
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /**
     * The channel Helidon accepted for the client's connection: found by walking the running web
     * server's objects (Helidon's own, maps and collections) for a SocketChannel whose remote port is
     * the client's local port. Walking by type rather than by field names keeps it independent of
     * Helidon's internal naming.
     */
    private static SocketChannel acceptedChannel(PeniaServer server, int clientPort) throws IllegalAccessException {
        Object web = null;
        for (Field f : PeniaServer.class.getDeclaredFields()) {
            if (WebServer.class.isAssignableFrom(f.getType()) && !Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                web = f.get(server);
            }
        }
        assertThat(web).as("PeniaServer's web server").isNotNull();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> todo = new ArrayDeque<>();
        todo.add(new Object[] {web, 0});
        while (!todo.isEmpty() && seen.size() < 200_000) {
            Object[] next = todo.poll();
            Object o = next[0];
            int depth = (int) next[1];
            if (o == null || depth > 12 || !seen.add(o)) {
                continue;
            }
            if (o instanceof SocketChannel ch) {
                if (ch.isOpen() && remotePort(ch) == clientPort) {
                    return ch;
                }
                continue;
            }
            if (o instanceof Map<?, ?> m) {
                m.values().forEach(v -> todo.add(new Object[] {v, depth + 1}));
            } else if (o instanceof java.util.Collection<?> all) {
                all.forEach(v -> todo.add(new Object[] {v, depth + 1}));
            } else if (o instanceof java.util.Optional<?> opt) {
                opt.ifPresent(v -> todo.add(new Object[] {v, depth + 1}));
            }
            if (!o.getClass().getName().startsWith("io.helidon.")) {
                continue;
            }
            for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    if (f.trySetAccessible()) {
                        todo.add(new Object[] {f.get(o), depth + 1});
                    }
                }
            }
        }
        return null;
    }

    private static int remotePort(SocketChannel ch) {
        try {
            return ch.getRemoteAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
