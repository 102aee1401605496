package io.tekton.penia.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaClient;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Three real Penia servers in this JVM on one fresh PostgreSQL database (issue 23): each elects
 * through the database (no view is given: PostgreSQL makes an instance one of several), one leads
 * and the others forward to it. Started one after the other (the first creates the schema).
 */
final class Trio implements AutoCloseable {
    static final Duration ELECTION = Duration.ofSeconds(15);

    final PgCluster pg = PgCluster.shared();
    final String db = pg.createDatabase();
    final List<TestServer> servers = new ArrayList<>();
    final List<PeniaClient> clients = new ArrayList<>();

    /** Starts three servers with {@code extraEnv} and waits until one leads and both others follow it. */
    static Trio start(Map<String, String> extraEnv) {
        Trio t = new Trio();
        try {
            for (int i = 0; i < 3; i++) {
                t.add(extraEnv);
            }
            t.awaitOneLeader(t.servers);
            return t;
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }

    /** The environment of an instance on this database. */
    Map<String, String> env(Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PENIA_DB", pg.url(db));
        env.put("PENIA_ADMIN_KEY", PeniaClient.ADMIN_KEY);
        return env;
    }

    TestServer add(Map<String, String> extraEnv) {
        TestServer s = TestServer.start(env(extraEnv));
        servers.add(s);
        clients.add(new PeniaClient(s, PeniaClient.ADMIN_KEY));
        return s;
    }

    PeniaClient client(int i) {
        return clients.get(i % clients.size());
    }

    /** The index of the leading server; fails when none leads. */
    int leaderIndex() {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).server().leadership() != null && servers.get(i).server().leadership().epoch() > 0) {
                return i;
            }
        }
        throw new AssertionError("no instance leads");
    }

    /** Waits until exactly one of {@code among} leads and every other names it as the leader in /health. */
    void awaitOneLeader(List<TestServer> among) {
        await().atMost(ELECTION).untilAsserted(() -> {
            List<String> roles = new ArrayList<>();
            List<String> leaders = new ArrayList<>();
            String leaderBase = null;
            for (TestServer s : among) {
                JsonNode cluster = s.get("/health").get("cluster");
                roles.add(cluster.get("role").asText());
                leaders.add(cluster.path("leader").asText(null));
                if (cluster.get("role").asText().equals("leader")) {
                    leaderBase = s.base();
                }
            }
            assertThat(roles.stream().filter("leader"::equals)).as("roles " + roles).hasSize(1);
            for (int i = 0; i < among.size(); i++) {
                if (!roles.get(i).equals("leader")) {
                    assertThat(leaders.get(i)).as("leader named by a follower").isEqualTo(leaderBase);
                }
            }
        });
    }

    /** The exact sum (micro-dollars) and count of the ledger rows of a component, by SQL on PostgreSQL. */
    long[] ledger(String component) {
        try (Connection c = pg.connect(db);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT COALESCE(SUM(cost_micros), 0), COUNT(*) FROM usage_records WHERE component = ?")) {
            ps.setString(1, component);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows of a query with one string parameter, each row's first column as text. */
    List<String> column(String sql, String param) {
        try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (TestServer s : servers) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // the others still close
            }
        }
    }
}
