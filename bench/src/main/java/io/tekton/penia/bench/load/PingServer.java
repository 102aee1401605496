package io.tekton.penia.bench.load;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * The machine's ceiling: a Helidon SE server of the same version and JVM options as Penia,
 * whose one route answers a constant. Penia's throughputs are reported as ratios to it.
 */
public final class PingServer {
    private static final byte[] PONG = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private PingServer() {
    }

    public static void serve(int port) throws InterruptedException {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(r -> r.get("/ping", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(PONG);
                }))
                .build()
                .start();
        System.out.println("ping server on port " + server.port());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stop.countDown();
        }));
        stop.await();
    }
}
