package io.tekton.penia.it.cluster;

import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.cluster.LeaderView;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

class ScratchProbeTest {
    @Test
    void probe() throws Exception {
        Map<String, String> env = Map.of("PENIA_ADMIN_KEY", "probe-admin-key-123456");
        try (TestServer a = TestServer.start(env)) {
            LeaderView.Settable v = LeaderView.settable();
            v.follow(URI.create(a.base()));
            try (TestServer b = TestServer.start(env, v)) {
                for (TestServer t : new TestServer[] {a, b}) {
                    for (HttpClient.Version ver : HttpClient.Version.values()) {
                        int fails = 0;
                        String last = "";
                        for (int i = 0; i < 20; i++) {
                            HttpClient c = HttpClient.newBuilder().version(ver).build();
                            try {
                                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(t.base() + "/mcp"))
                                        .header("Content-Type", "application/json")
                                        .header("Accept", "application/json, text/event-stream")
                                        .header("X-API-Key", "probe-admin-key-123456")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"p\",\"version\":\"1\"}}}")).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                last = r.statusCode() + " " + r.version();
                            } catch (Exception e) {
                                fails++;
                                last = e.toString();
                            }
                        }
                        System.out.println("PROBE " + (t == a ? "A" : "B") + " " + ver + " fails=" + fails + " last=" + last);
                    }
                }
            }
        }
    }
}
