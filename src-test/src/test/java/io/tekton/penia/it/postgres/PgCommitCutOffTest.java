package io.tekton.penia.it.postgres;

import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.tekton.penia.it.support.PeniaClient.assertError;
import static io.tekton.penia.it.support.PeniaClient.assertUsd;
import static io.tekton.penia.it.support.PeniaClient.uniq;
import static io.tekton.penia.it.support.PeniaClient.usage;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection breaks during the ledger writer's COMMIT (issue 23): whether the transaction
 * committed is unknown to Penia at that moment. The answer waits until PostgreSQL says
 * ({@code pg_xact_status}): committed, the record is acknowledged (201); rolled back, it is 503 and
 * not booked. Either way the answer, the ledger and the budget's counters agree. A proxy between
 * Penia and PostgreSQL cuts the connection once, right after (or right before) forwarding a COMMIT.
 */
class PgCommitCutOffTest {

    /** Forwards connections to PostgreSQL; when armed, cuts the one that sends the next COMMIT. */
    static final class CuttingProxy implements AutoCloseable {
        enum Cut { NONE, AFTER_COMMIT_SENT, BEFORE_COMMIT_SENT }

        final ServerSocket listener;
        final int target;
        final AtomicReference<Cut> armed = new AtomicReference<>(Cut.NONE);
        volatile int cuts;

        CuttingProxy(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon(true).name("pg-proxy").start(this::accept);
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                    Thread.ofPlatform().daemon(true).start(() -> pump(client, server, true));
                    Thread.ofPlatform().daemon(true).start(() -> pump(server, client, false));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (fromClient && new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains("COMMIT")) {
                        Cut cut = armed.getAndSet(Cut.NONE);
                        if (cut != Cut.NONE) {
                            if (cut == Cut.AFTER_COMMIT_SENT) {
                                out.write(buf, 0, n);
                                out.flush();
                            }
                            cuts++;
                            // A plain close (FIN): what was forwarded still reaches PostgreSQL; its answer never returns.
                            to.close();
                            from.close();
                            return;
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /** Posts the usage record {@code body} with the proxy armed to cut at {@code cut}; asserts that it cut once. */
    static TestServer.Resp recordCut(TestServer t, CuttingProxy proxy, CuttingProxy.Cut cut, Map<String, Object> body) {
        int before = proxy.cuts;
        proxy.armed.set(cut);
        TestServer.Resp r = t.post("/api/v1/usage/record", body);
        assertThat(proxy.cuts).isEqualTo(before + 1);
        return r;
    }

    static long count(PgCluster pg, String db, String sql, String arg) throws SQLException {
        try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void commitCutOff_isAnsweredAsPostgresDecided_andCountersEqualTheLedger() throws Exception {
        PgCluster pg = PgCluster.shared();
        pg.start();
        String db = pg.createDatabase();
        try (CuttingProxy proxy = new CuttingProxy(pg.port());
             // prepareThreshold=0: every COMMIT goes as text (no server-side prepared statement).
             TestServer t = TestServer.start(Map.of("PENIA_DB",
                     "postgresql://" + PgCluster.USER + "@127.0.0.1:" + proxy.port() + "/" + db + "?prepareThreshold=0"))) {
            PeniaClient penia = PeniaClient.of(t);
            String c = uniq("pg-cut");
            String budget = penia.componentBudget(c, Map.of("monthly", "100"));
            penia.record(c, "1");

            // Cut after the COMMIT reached PostgreSQL: it committed, so the record is acknowledged.
            String committed = uniq("req");
            Map<String, Object> a = usage(c, "openai", "gpt-4o", 1, 1, "2");
            a.put("request_id", committed);
            TestServer.Resp ra = recordCut(t, proxy, CuttingProxy.Cut.AFTER_COMMIT_SENT, a);
            assertThat(ra.status()).as(ra.raw()).isEqualTo(201);
            assertThat(count(pg, db, "SELECT COUNT(*) FROM usage_records WHERE request_id = ?", committed)).isEqualTo(1);
            assertUsd(penia.period(budget, "monthly").get("spent"), "3");

            // Healthy again (no probe of the writer's left to meet the next cut).
            assertThat(penia.expect(200, "GET", "/health", null).get("status").asText()).isEqualTo("healthy");

            // Cut before the COMMIT left: PostgreSQL rolled it back, so the record is refused (503) and not booked.
            String lost = uniq("req");
            Map<String, Object> b = usage(c, "openai", "gpt-4o", 1, 1, "4");
            b.put("request_id", lost);
            TestServer.Resp rb = recordCut(t, proxy, CuttingProxy.Cut.BEFORE_COMMIT_SENT, b);
            assertError(rb, 503, "unavailable");
            assertThat(rb.http().headers().firstValue("Retry-After")).isPresent();
            assertThat(count(pg, db, "SELECT COUNT(*) FROM usage_records WHERE request_id = ?", lost)).isZero();
            assertUsd(penia.period(budget, "monthly").get("spent"), "3");

            // The same request again is booked once; counters equal the ledger.
            assertThat(t.post("/api/v1/usage/record", b).status()).isEqualTo(201);
            assertUsd(penia.period(budget, "monthly").get("spent"), "7");
            assertThat(count(pg, db, "SELECT COUNT(*) FROM usage_records WHERE component = ?", c)).isEqualTo(3);
            assertThat(penia.expect(200, "GET", "/health", null).get("status").asText()).isEqualTo("healthy");
        }
    }
}
