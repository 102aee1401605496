package io.tekton.penia.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.tekton.penia.engine.store.postgres.PgDatabase;
import io.tekton.penia.engine.store.postgres.PgLeaderLock;
import io.tekton.penia.engine.store.postgres.PgUrl;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.server.cluster.LeaderView;
import io.tekton.penia.server.cluster.Leadership;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The election alone (no servers): three contenders over one fresh PostgreSQL database. One
 * leads, the others follow the URL it wrote; when its lock's connection dies another takes
 * over within a second or so with the next epoch, and the fence refuses the old epoch's writes.
 */
class LeadershipTest {
    private final List<Leadership> all = new ArrayList<>();

    @AfterEach
    void close() {
        all.forEach(Leadership::close);
    }

    @Test
    void oneLeads_theOthersFollowIt_andADeadLeadersSuccessorHasTheNextEpoch_whoseFenceRefusesTheOld() throws Exception {
        PgCluster pg = PgCluster.shared();
        String dbName = pg.createDatabase();
        PgUrl url = PgUrl.parse(pg.url(dbName), null);
        PgDatabase.open(url, 1).close(); // migrated: cluster_leader has its row
        Map<String, LeaderView.Settable> views = new ConcurrentHashMap<>();
        List<String> promotions = new CopyOnWriteArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            LeaderView.Settable v = LeaderView.settable();
            views.put(name, v);
            all.add(new Leadership(url, name, URI.create("http://" + name + ".test:8080"), v,
                    epoch -> promotions.add(name + "@" + epoch)).start());
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(views.values().stream().filter(LeaderView::isLeader)).hasSize(1);
            String leader = leaderName(views);
            views.forEach((n, v) -> {
                if (!n.equals(leader)) {
                    assertThat(v.leader()).contains(URI.create("http://" + leader + ".test:8080"));
                }
            });
        });
        String first = leaderName(views);
        assertThat(promotions).containsExactly(first + "@1");
        Leadership firstLeadership = all.stream().filter(l -> l.instanceId().equals(first)).findFirst().orElseThrow();
        assertThat(firstLeadership.epoch()).isEqualTo(1);

        long killedAt = System.nanoTime();
        firstLeadership.severConnection();

        await().atMost(Duration.ofSeconds(5)).until(() -> {
            String now = leaderName(views);
            return now != null && !now.equals(first);
        });
        long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        String second = leaderName(views);
        assertThat(promotions).containsExactly(first + "@1", second + "@2");
        System.out.println("LeadershipTest: " + first + " -> " + second + " in " + failoverMs + " ms");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> views.forEach((n, v) -> {
            if (!n.equals(second)) {
                assertThat(v.leader()).as(n).contains(URI.create("http://" + second + ".test:8080"));
            }
        }));

        try (Connection c = pg.connect(dbName)) {
            c.setAutoCommit(false);
            assertThat(PgLeaderLock.readLeader(url))
                    .isEqualTo(new PgLeaderLock.Leader(second, "http://" + second + ".test:8080", 2));
            assertThatThrownBy(() -> PgLeaderLock.fence(1).check(c)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("no longer leads");
            c.rollback();
            PgLeaderLock.fence(2).check(c);
            c.rollback();
        }
    }

    private static String leaderName(Map<String, LeaderView.Settable> views) {
        return views.entrySet().stream().filter(e -> e.getValue().isLeader()).map(Map.Entry::getKey).findFirst()
                .orElse(null);
    }
}
