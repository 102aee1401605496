package io.tekton.penia.it.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.RunningClock;
import io.tekton.penia.it.support.ChildJvm;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Online backups and restores (issue 20, item 4): a backup taken while records are written from
 * several threads holds exactly the ledger of its instant, the answer says what it holds, a
 * restore gives a database whose ledger and summaries are those totals, and a restore never
 * replaces a database a live process owns.
 */
@Tag("slow")
class BackupRestoreTest {

    /** Runs {@code bin/penia <args>} (the jar's Main) on {@code db}; exit code, stdout, stderr. */
    record Run(int exit, String out, String err) {
    }

    static Run cli(Path db, Map<String, String> extraEnv, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.javaCommand(args));
        pb.environment().remove("PENIA_ADMIN_KEY");
        Map<String, String> env = ChildJvm.env(db.toString());
        env.putAll(extraEnv);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()),
                r -> Thread.ofVirtual().start(r));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()),
                r -> Thread.ofVirtual().start(r));
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("penia " + args[0] + " exits").isTrue();
            return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static Map<String, Object> usage(String component, String model, String cost, long in, long out) {
        return Map.of("component", component, "provider", "openai", "model", model, "input_tokens", in,
                "output_tokens", out, "cost", new BigDecimal(cost));
    }

    /** The whole ledger as /usage/summary totals, for an exact comparison. */
    static Map<String, String> totals(JsonNode summaryOrTotals) {
        return Map.of("total_cost", summaryOrTotals.get("total_cost").decimalValue().stripTrailingZeros().toPlainString(),
                "total_input_tokens", summaryOrTotals.get("total_input_tokens").asText(),
                "total_output_tokens", summaryOrTotals.get("total_output_tokens").asText(),
                "count", summaryOrTotals.get("count").asText());
    }

    static JsonNode summary(TestServer t) {
        TestServer.Resp r = t.post("/api/v1/usage/summary", Map.of("group_by", List.of("component", "model")));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    /** The raw ledger rows of a database file, summed: {cost micros, input, output, rows}. */
    static long[] ledgerSums(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(cost_micros), 0), COALESCE(SUM(input_tokens), 0),"
                     + " COALESCE(SUM(output_tokens), 0), COUNT(*) FROM usage_records")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    @Test
    void backup_underConcurrentWrites_restoresToTheTotalsOfItsInstant() throws Exception {
        try (TestServer t = TestServer.start(Map.of(), RunningClock.midweekNoon())) {
            TestServer.Resp b = t.post("/api/v1/budgets", Map.of("name", "everything", "limits",
                    Map.of("monthly", new BigDecimal("1000000"))));
            assertThat(b.status()).as(b.raw()).isEqualTo(201);
            String budgetId = b.get("budget_id").asText();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger written = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        TestServer.Resp r = t.post("/api/v1/usage/record", usage("writer-" + id,
                                i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini", "0.00" + (1 + (i % 9)) + "3", 10 + i, 1 + id));
                        assertThat(r.status()).as(r.raw()).isEqualTo(201);
                        written.incrementAndGet();
                    }
                    return null;
                }));
            }
            TestServer.Resp backup;
            int afterBackup;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= 100);
                backup = t.post("/api/v1/admin/backup", Map.of("file", "under-load.db"));
                afterBackup = written.get();
                // Writes go on after the copy's instant: the copy must not have them.
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= afterBackup + 100);
            } finally {
                stop.set(true);
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
            }
            assertThat(backup.status()).as(backup.raw()).isEqualTo(201);
            Path file = Path.of(backup.get("file").asText());
            assertThat(file.getParent()).isEqualTo(t.dbFile().getParent().resolve("backups"));
            assertThat(file).exists();
            assertThat(backup.get("size_bytes").asLong()).isEqualTo(Files.size(file));
            assertThat(backup.get("schema_version").asInt()).isPositive();
            Map<String, String> atBackup = totals(backup.get("totals"));
            long inBackup = backup.get("totals").get("count").asLong();
            assertThat(inBackup).isGreaterThan(0).isLessThan(written.get());

            // The source went on: its summary is larger than the copy's.
            assertThat(summary(t).get("count").asLong()).isEqualTo(written.get());

            // Restore the copy into a new database file; its raw rows sum to the answer's totals.
            Path restored = Files.createTempDirectory("penia-restore").resolve("penia.db");
            Run r = cli(restored, Map.of(), "restore", file.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode answer = Json.mapper().readTree(r.out());
            assertThat(totals(answer.get("totals"))).isEqualTo(atBackup);
            long[] raw = ledgerSums(restored);
            assertThat(new BigDecimal(raw[0]).movePointLeft(6).stripTrailingZeros().toPlainString())
                    .isEqualTo(atBackup.get("total_cost"));
            assertThat(Long.toString(raw[1])).isEqualTo(atBackup.get("total_input_tokens"));
            assertThat(Long.toString(raw[2])).isEqualTo(atBackup.get("total_output_tokens"));
            assertThat(raw[3]).isEqualTo(inBackup);

            // A server started on the restored copy shows the same summaries.
            try (TestServer copy = TestServer.start(Map.of("PENIA_DB", restored.toString()), RunningClock.midweekNoon())) {
                assertThat(totals(summary(copy))).isEqualTo(atBackup);
                TestServer.Resp bs = copy.get("/api/v1/budgets/" + budgetId + "/summary");
                assertThat(bs.status()).as(bs.raw()).isEqualTo(200);
                assertThat(bs.body().get("periods").get("monthly").get("spent").decimalValue().stripTrailingZeros()
                        .toPlainString()).isEqualTo(atBackup.get("total_cost"));
                // New databases and restored copies give freed pages back (incremental vacuum).
                TestServer.Resp ret = copy.post("/api/v1/admin/retention", Map.of());
                assertThat(ret.status()).as(ret.raw()).isEqualTo(200);
                assertThat(ret.body().get("vacuum").get("auto_vacuum").asText()).isEqualTo("incremental");
            }
        }
    }

    @Test
    void restore_overALiveDatabase_isRefusedAndTheDatabaseKeepsServing() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.post("/api/v1/usage/record", usage("live", "gpt-4o", "0.5", 10, 1)).status()).isEqualTo(201);
            TestServer.Resp backup = t.post("/api/v1/admin/backup", Map.of("file", "before.db"));
            assertThat(backup.status()).as(backup.raw()).isEqualTo(201);
            assertThat(t.post("/api/v1/usage/record", usage("live", "gpt-4o", "0.25", 10, 1)).status()).isEqualTo(201);

            Run r = cli(t.dbFile(), Map.of(), "restore", backup.get("file").asText());
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.err()).contains("refusing").contains(t.dbFile().toString())
                    .contains("pid " + ProcessHandle.current().pid());
            // Nothing was replaced: both records are there, and the server still records.
            assertThat(summary(t).get("count").asLong()).isEqualTo(2);
            assertThat(t.post("/api/v1/usage/record", usage("live", "gpt-4o", "0.25", 10, 1)).status()).isEqualTo(201);
            assertThat(summary(t).get("total_cost").decimalValue()).isEqualByComparingTo("1.0");
        }
    }

    @Test
    void restore_ofAFileThatIsNoPeniaDatabase_isRefusedAndChangesNothing() throws Exception {
        Path dir = Files.createTempDirectory("penia-restore-bad");
        Path junk = dir.resolve("junk.db");
        Files.writeString(junk, "not a database at all, just text that is long enough to look like something");
        Path db = dir.resolve("penia.db");
        Run r = cli(db, Map.of(), "restore", junk.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(junk.toString());
        assertThat(db).doesNotExist();
    }

    @Test
    void cliBackup_whileAServerOwnsTheFile_asksTheServer_andWithoutOneCopiesDirectly() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.post("/api/v1/usage/record", usage("cli", "gpt-4o", "0.125", 7, 3)).status()).isEqualTo(201);
            Path dir = Files.createTempDirectory("penia-cli-backup");
            Path target = dir.resolve("through-server.db");
            Run r = cli(t.dbFile(), Map.of(), "backup", target.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode answer = Json.mapper().readTree(r.out());
            assertThat(answer.get("through").asText()).isEqualTo(t.base());
            assertThat(answer.get("file").asText()).isEqualTo(target.toString());
            assertThat(totals(answer.get("totals"))).isEqualTo(totals(summary(t)));
            assertThat(ledgerSums(target)[0]).isEqualTo(125_000);
            // Nothing is left behind in the server's backup directory.
            try (var left = Files.list(t.dbFile().getParent().resolve("backups"))) {
                assertThat(left.toList()).isEmpty();
            }

            Path direct = dir.resolve("direct.db");
            t.restart(db -> {
                try {
                    Run d = cli(db, Map.of(), "backup", direct.toString());
                    assertThat(d.exit()).as(d.err()).isZero();
                    assertThat(Json.mapper().readTree(d.out()).get("totals").get("count").asLong()).isEqualTo(1);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(ledgerSums(direct)).containsExactly(125_000, 7, 3, 1);
        }
    }

    @Test
    void backupRoute_refusesNamesOutsideTheBackupDirectory_existingNames_andNonAdmins() throws Exception {
        String admin = "backup-test-admin-key-0123456789";
        try (TestServer t = TestServer.start(Map.of("PENIA_ADMIN_KEY", admin))) {
            for (Object bad : List.<Object>of("../escape.db", "/tmp/escape.db", "sub/dir.db", ".hidden.db", "..",
                    "a\\b.db", "", 12, List.of("x.db"))) {
                TestServer.Resp r = t.send(adminPost(t, admin, Map.of("file", bad)));
                assertThat(r.status()).as(bad + ": " + r.raw()).isEqualTo(400);
                assertThat(r.body().get("error").get("code").asText()).isEqualTo("invalid_argument");
            }
            assertThat(t.dbFile().getParent().getParent().resolve("escape.db")).doesNotExist();
            assertThat(Path.of("/tmp/escape.db")).doesNotExist();

            TestServer.Resp ok = t.send(adminPost(t, admin, Map.of("file", "one.db")));
            assertThat(ok.status()).as(ok.raw()).isEqualTo(201);
            long size = Files.size(Path.of(ok.get("file").asText()));
            TestServer.Resp again = t.send(adminPost(t, admin, Map.of("file", "one.db")));
            assertThat(again.status()).as(again.raw()).isEqualTo(409);
            assertThat(Files.size(Path.of(ok.get("file").asText()))).isEqualTo(size);

            TestServer.Resp unknown = t.send(adminPost(t, admin, Map.of("file", "two.db", "path", "/etc")));
            assertThat(unknown.status()).as(unknown.raw()).isEqualTo(400);

            TestServer.Resp key = t.send(adminPost(t, admin, Map.of("name", "viewer", "role", "viewer"))
                    .uri(URI.create(t.base() + "/api/v1/keys")));
            assertThat(key.status()).as(key.raw()).isEqualTo(201);
            TestServer.Resp viewer = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/admin/backup"))
                    .header("X-API-Key", key.get("secret").asText()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"file\":\"viewer.db\"}")));
            assertThat(viewer.status()).as(viewer.raw()).isEqualTo(403);
            TestServer.Resp none = t.post("/api/v1/admin/retention", Map.of());
            assertThat(none.status()).as(none.raw()).isEqualTo(401);
            assertThat(t.dbFile().getParent().resolve("backups").resolve("viewer.db")).doesNotExist();
        }
    }

    @Test
    void aDatabaseWithoutIncrementalVacuum_saysSo_andABackupRestoredFromItHasItOn() throws Exception {
        try (TestServer t = TestServer.start()) {
            assertThat(t.post("/api/v1/usage/record", usage("old", "gpt-4o", "0.5", 10, 1)).status()).isEqualTo(201);
            // Made like a file of an earlier Penia: auto_vacuum off (a full VACUUM, while stopped).
            t.restart(db -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                    st.execute("PRAGMA auto_vacuum = NONE");
                    st.execute("VACUUM");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            TestServer.Resp run = t.post("/api/v1/admin/retention", Map.of());
            assertThat(run.status()).as(run.raw()).isEqualTo(200);
            assertThat(run.get("vacuum").get("auto_vacuum").asText()).isEqualTo("none");
            assertThat(run.get("vacuum").get("freed_pages").asLong()).isZero();

            TestServer.Resp backup = t.post("/api/v1/admin/backup", Map.of());
            assertThat(backup.status()).as(backup.raw()).isEqualTo(201);
            assertThat(backup.get("name").asText()).matches("penia-\\d{8}-\\d{6}\\.db");
            Path restored = Files.createTempDirectory("penia-restore-av").resolve("penia.db");
            Run r = cli(restored, Map.of(), "restore", backup.get("file").asText());
            assertThat(r.exit()).as(r.err()).isZero();
            try (TestServer copy = TestServer.start(Map.of("PENIA_DB", restored.toString()))) {
                TestServer.Resp again = copy.post("/api/v1/admin/retention", Map.of());
                assertThat(again.get("vacuum").get("auto_vacuum").asText()).as(again.raw()).isEqualTo("incremental");
                assertThat(summary(copy).get("total_cost").decimalValue()).isEqualByComparingTo("0.5");
            }
        }
    }

    static HttpRequest.Builder adminPost(TestServer t, String key, Map<String, Object> body) {
        return HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/admin/backup")).header("X-API-Key", key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestServer.json(body)));
    }
}
