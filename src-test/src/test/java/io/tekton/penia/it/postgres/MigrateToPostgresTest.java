package io.tekton.penia.it.postgres;

import io.tekton.penia.engine.store.postgres.PgDatabase;
import io.tekton.penia.engine.store.postgres.PgUrl;
import io.tekton.penia.engine.store.postgres.SqliteToPostgres;
import io.tekton.penia.engine.store.sqlite.Database;
import io.tekton.penia.it.support.PgCluster;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.MigrateCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bin/penia migrate-to-postgres} (issue 23): a SQLite ledger written by the real server through HTTP
 * (records over several days and models, a live and a released hold, budgets with a deleted one, an alert
 * delivered to a webhook, an API key, a price override) is copied into an empty PostgreSQL database row for
 * row, with the same ledger and rollup totals and sequences past the copied numbers; a second run onto the
 * same database and a run on a file a live server owns are refused and change nothing; of two runs at once
 * onto one database, one copies and the other is refused.
 */
class MigrateToPostgresTest {
    private static PgCluster pg;

    @BeforeAll
    static void cluster() {
        pg = PgCluster.shared();
    }

    /** A run of the command in this JVM: exit code, stdout, stderr. */
    record Run(int exit, String out, String err) {
    }

    static Run migrate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("migrate-to-postgres"));
        all.addAll(List.of(args));
        int exit = MigrateCommand.run(all.toArray(String[]::new), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void ledgerWrittenByTheServer_isCopiedExactly_thenASecondRunAndALiveFileAreRefused() throws Exception {
        String db = pg.createDatabase();
        String url = pg.url(db);
        try (TestServer t = TestServer.start()) {
            Map<String, String> made = writeLedger(t);

            // While the server owns the file: refused, and PostgreSQL is not even touched.
            Run live = migrate("--from", t.dbFile().toString(), "--to", url);
            assertThat(live.exit()).as(live.err()).isEqualTo(1);
            assertThat(live.err()).contains("refusing to copy a live database", "in use by", "stop it first");
            assertThat(tableCount(db)).as("no schema created on PostgreSQL").isZero();

            t.restart(file -> {
                try {
                    Run first = migrate("--from", file.toString(), "--to", url);
                    assertThat(first.exit()).as(first.out() + first.err()).isZero();
                    assertThat(first.out()).contains("copied and verified", "rows/s", "usage_records", "equal on both sides");

                    Map<String, List<String>> sqlite = contents(sqlite(file));
                    Map<String, List<String>> postgres = contents(pg.connect(db));
                    for (String table : SqliteToPostgres.TABLES) {
                        assertThat(postgres.get(table)).as("table " + table + ", every row and column")
                                .isEqualTo(sqlite.get(table));
                    }
                    for (String table : List.of("budgets", "usage_records", "usage_rollup", "reservations", "alerts",
                            "price_versions", "alert_deliveries", "api_keys", "audit_log")) {
                        assertThat(sqlite.get(table)).as(table + " has rows to copy").isNotEmpty();
                    }
                    String ledger = "SELECT COUNT(*), SUM(cost_micros), SUM(input_tokens), SUM(output_tokens) FROM usage_records";
                    String rollups = "SELECT SUM(record_count), SUM(cost_micros), SUM(input_tokens), SUM(output_tokens) FROM usage_rollup";
                    assertThat(row(pg.connect(db), ledger)).isEqualTo(row(sqlite(file), ledger))
                            .isEqualTo(row(pg.connect(db), rollups)).startsWith("33|");
                    assertThat(first.out()).contains("33 records, cost $" + made.get("cost"));
                    assertThat(row(pg.connect(db), "SELECT status FROM reservations WHERE reservation_id = '"
                            + made.get("live hold") + "'")).isEqualTo("active");
                    assertThat(row(pg.connect(db), "SELECT deleted FROM budgets WHERE budget_id = '"
                            + made.get("deleted budget") + "'")).isEqualTo("1");

                    // New rows on PostgreSQL get numbers past the copied ones.
                    for (String[] id : new String[][]{{"usage_records", "seq"}, {"price_versions", "version_id"},
                            {"audit_log", "seq"}}) {
                        long max = Long.parseLong(row(sqlite(file), "SELECT MAX(" + id[1] + ") FROM " + id[0]));
                        long next = Long.parseLong(row(pg.connect(db), "SELECT nextval(pg_get_serial_sequence('"
                                + id[0] + "', '" + id[1] + "'))"));
                        assertThat(next).as(id[0] + "." + id[1] + " next value").isGreaterThan(max);
                    }

                    // A second run onto the same database: refused, nothing changed.
                    Run second = migrate("--from", file.toString(), "--to", url);
                    assertThat(second.exit()).as(second.err()).isEqualTo(1);
                    assertThat(second.err()).contains("already holds data", "usage_records=33", "nothing was written");
                    assertThat(contents(pg.connect(db))).isEqualTo(postgres);

                    // Two runs at once onto one new database (from two copies of the file, each with its own
                    // lock): one copies, the other waits for its table locks, then finds the rows and refuses.
                    Path twin = file.resolveSibling("twin.db");
                    try (Connection c = sqlite(file); Statement s = c.createStatement()) {
                        s.execute("VACUUM INTO '" + twin + "'");
                    }
                    String url2 = pg.url(pg.createDatabase());
                    CompletableFuture<Run> a = CompletableFuture.supplyAsync(() -> migrate("--from", file.toString(), "--to", url2));
                    CompletableFuture<Run> b = CompletableFuture.supplyAsync(() -> migrate("--from", twin.toString(), "--to", url2));
                    List<Run> both = List.of(a.get(60, TimeUnit.SECONDS), b.get(60, TimeUnit.SECONDS));
                    assertThat(both).as(both.toString()).extracting(Run::exit).containsExactlyInAnyOrder(0, 1);
                    assertThat(both.stream().filter(r -> r.exit() == 1).findFirst().orElseThrow().err())
                            .contains("already holds data");
                    assertThat(contents(pg.connect(url2.substring(url2.lastIndexOf('/') + 1)))).isEqualTo(postgres);
                } catch (SQLException | InterruptedException | ExecutionException | TimeoutException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Test
    void wrongCommandLine_exits2_withTheUsage() {
        Run none = migrate();
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("usage: bin/penia migrate-to-postgres --from FILE --to postgresql://");
        Run badUrl = migrate("--from", "whatever.db", "--to", "mysql://root@localhost/penia");
        assertThat(badUrl.exit()).isEqualTo(2);
        assertThat(badUrl.err()).contains("--to: not a usable PostgreSQL URL");
        Run noFile = migrate("--from", "/nonexistent/penia.db", "--to", "postgresql://postgres@127.0.0.1/penia");
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).contains("no SQLite database at /nonexistent/penia.db");
    }

    @Test
    void sqliteFileAtAnotherSchemaVersion_isRefused_beforePostgresIsTouched(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("older.db");
        int current = Database.schemaVersion();
        try (Database sqlite = Database.open(file, 1); Connection c = sqlite.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM flyway_schema_history WHERE version = '" + current + "'");
        }
        String db = pg.createDatabase();
        Run r = migrate("--from", file.toString(), "--to", pg.url(db));
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("has schema version " + (current - 1), "copies schema version " + current + " only",
                "start this Penia on it once");
        assertThat(tableCount(db)).as("no schema created on PostgreSQL").isZero();
    }

    /**
     * A PostgreSQL trigger that changes what is written stands for any copy that goes wrong: the check before
     * the commit finds it, names the table and both numbers, and rolls back (the target stays empty).
     */
    @Test
    void copyThatDiffers_isRolledBack_namingTheTableAndBothNumbers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("small.db");
        try (Database sqlite = Database.open(file, 1); Connection c = sqlite.connection(); Statement s = c.createStatement()) {
            for (int i = 1; i <= 3; i++) {
                s.executeUpdate("INSERT INTO usage_records (seq, record_id, ts_ms, component, provider, model, input_tokens,"
                        + " output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_micros, cost_source,"
                        + " created_ms) VALUES (" + i + ", 'r" + i + "', 1000, 'c', 'p', 'm', 10, 1, 0, 0, 0, " + (100 * i)
                        + ", 'reported', 1000)");
            }
            s.executeUpdate("INSERT INTO settings VALUES ('k', 'as written')");
        }
        String[][] cases = {
                {"UPDATE usage_records", "NEW.cost_micros := NEW.cost_micros + 1;",
                        "table usage_records: the totals differ, SQLite (count 3, cost_micros 600,", "PostgreSQL (count 3, cost_micros 603,"},
                {"UPDATE settings", "NEW.value := 'changed';", "table settings: the rows read back from PostgreSQL differ", "1 rows each"}};
        for (String[] c : cases) {
            String db = pg.createDatabase();
            PgDatabase.open(PgUrl.parse(pg.url(db), null), 1).close();
            String table = c[0].substring("UPDATE ".length());
            try (Connection pgc = pg.connect(db); Statement s = pgc.createStatement()) {
                s.execute("CREATE FUNCTION skew() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + c[1] + " RETURN NEW; END $$");
                s.execute("CREATE TRIGGER skew BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION skew()");
            }
            Run r = migrate("--from", file.toString(), "--to", pg.url(db));
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.err()).contains(c[2], c[3], "rolled back, nothing was written");
            assertThat(row(pg.connect(db), "SELECT (SELECT COUNT(*) FROM usage_records) + (SELECT COUNT(*) FROM settings)"))
                    .as("nothing committed").isEqualTo("0");
        }
    }

    /** Fields whose value is a function of the moment asked (rates extrapolated to now), not of the ledger. */
    private static final java.util.Set<String> MOMENT_FIELDS = java.util.Set.of("projected", "forecast", "uptime_seconds");

    /**
     * After the migration a real server on the PostgreSQL database answers as the SQLite server did before it
     * stopped: budgets and each one's summary, usage summaries by model and by day, the first page of records,
     * the alerts, the live hold; the hold settles there (booking once), a request_id replay answers the same
     * record, and the migrated API key authenticates.
     */
    @Test
    void serverOnTheMigratedDatabase_answersAsTheSqliteServerDid() throws Exception {
        String db = pg.createDatabase();
        String url = pg.url(db);
        String adminKey = "mig-admin-" + java.util.UUID.randomUUID();
        try (TestServer t = TestServer.start()) {
            Map<String, String> made = writeLedger(t);
            Map<String, Object> replayBody = Map.of("component", "mig-c0", "provider", "openai", "model", "gpt-4o",
                    "input_tokens", 7, "output_tokens", 7, "cost", new BigDecimal("0.07"), "request_id", "mig-replay");
            String replayedId = ok(t.post("/api/v1/usage/record", replayBody), 201).get("record_id").asText();
            String start = Instant.now().minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.DAYS).toString();
            String end = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.DAYS).toString();

            // What the SQLite server answers, asked just before it stops.
            io.tekton.penia.it.support.PeniaClient onSqlite = io.tekton.penia.it.support.PeniaClient.of(t);
            Map<String, com.fasterxml.jackson.databind.JsonNode> before = answers(onSqlite, made, start, end);
            assertThat(before.get("hold").get("status").asText()).isEqualTo("active");
            assertThat(before.get("alerts").get("items")).isNotEmpty();

            t.restart(file -> {
                Run run = migrate("--from", file.toString(), "--to", url);
                assertThat(run.exit()).as(run.out() + run.err()).isZero();
                try (TestServer onPg = TestServer.start(Map.of("PENIA_DB", url, "PENIA_ADMIN_KEY", adminKey))) {
                    io.tekton.penia.it.support.PeniaClient penia = new io.tekton.penia.it.support.PeniaClient(onPg, adminKey);
                    assertThat(penia.expect(200, "GET", "/health", null).get("database_backend").asText())
                            .isEqualTo("postgresql");
                    Map<String, com.fasterxml.jackson.databind.JsonNode> after = answers(penia, made, start, end);
                    assertThat(after.keySet()).isEqualTo(before.keySet());
                    for (String what : before.keySet()) {
                        assertThat(after.get(what).toPrettyString()).as(what + ", field by field")
                                .isEqualTo(before.get(what).toPrettyString());
                    }

                    // A request_id replay answers the record booked on SQLite, and books nothing.
                    com.fasterxml.jackson.databind.JsonNode replay = penia.post("/api/v1/usage/record", replayBody).body();
                    assertThat(replay.get("record_id").asText()).as(replay.toString()).isEqualTo(replayedId);
                    String ledger = "SELECT COUNT(*), SUM(cost_micros) FROM usage_records";
                    String counted = row(pg.connect(db), ledger);

                    // The live hold settles on PostgreSQL, once: a replay of the settling record books nothing more.
                    Map<String, Object> settle = new HashMap<>(Map.of("component", "mig-c1", "provider", "openai",
                            "model", "gpt-4o", "input_tokens", 50, "output_tokens", 5, "cost", new BigDecimal("0.5"),
                            "reservation_id", made.get("live hold"), "request_id", "mig-settle"));
                    com.fasterxml.jackson.databind.JsonNode settled = penia.expect(201, "POST", "/api/v1/usage/record", settle);
                    assertThat(settled.get("reservation_status").asText()).isEqualTo("settled");
                    com.fasterxml.jackson.databind.JsonNode again = penia.post("/api/v1/usage/record", settle).body();
                    assertThat(again.get("record_id").asText()).isEqualTo(settled.get("record_id").asText());
                    assertThat(penia.expect(200, "GET", "/api/v1/reservations/" + made.get("live hold"), null)
                            .get("status").asText()).isEqualTo("settled");
                    long[] was = java.util.Arrays.stream(counted.split("\\|")).mapToLong(Long::parseLong).toArray();
                    assertThat(row(pg.connect(db), ledger)).isEqualTo((was[0] + 1) + "|" + (was[1] + 500_000));
                    com.fasterxml.jackson.databind.JsonNode summary = penia.expect(200, "POST", "/api/v1/usage/summary",
                            Map.of("component", "mig-c1", "start", start, "end", end));
                    com.fasterxml.jackson.databind.JsonNode summaryBefore = onSqliteC1(before);
                    assertThat(summary.get("count").asLong()).isEqualTo(summaryBefore.get("count").asLong() + 1);
                    assertThat(summary.get("total_cost").decimalValue())
                            .isEqualByComparingTo(summaryBefore.get("total_cost").decimalValue().add(new BigDecimal("0.5")));

                    // The key made on SQLite authenticates on PostgreSQL (and sees its own component only).
                    com.fasterxml.jackson.databind.JsonNode own = penia.withKey(made.get("key"))
                            .expect(200, "GET", "/api/v1/usage/records?component=mig-c0", null);
                    assertThat(own.get("items")).isNotEmpty()
                            .allSatisfy(r -> assertThat(r.get("component").asText()).isEqualTo("mig-c0"));
                    assertThat(penia.withKey("mig-wrong-key").get("/api/v1/usage/records").status()).isEqualTo(401);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode onSqliteC1(Map<String, com.fasterxml.jackson.databind.JsonNode> before) {
        return before.get("usage summary component mig-c1");
    }

    /** The answers compared before and after the move, moment-dependent fields removed. */
    private static Map<String, com.fasterxml.jackson.databind.JsonNode> answers(io.tekton.penia.it.support.PeniaClient p,
                                                                             Map<String, String> made, String start, String end) {
        Map<String, com.fasterxml.jackson.databind.JsonNode> a = new TreeMap<>();
        com.fasterxml.jackson.databind.JsonNode budgets = p.expect(200, "GET", "/api/v1/budgets", null);
        a.put("budgets", budgets);
        com.fasterxml.jackson.databind.JsonNode items = budgets.has("items") ? budgets.get("items") : budgets;
        assertThat(items).as(budgets.toString()).hasSizeGreaterThanOrEqualTo(2);
        for (com.fasterxml.jackson.databind.JsonNode b : items) {
            String id = b.get("budget_id").asText();
            a.put("summary of " + id, p.expect(200, "GET", "/api/v1/budgets/" + id + "/summary", null));
        }
        for (String by : List.of("model", "day")) {
            a.put("usage summary by " + by, p.expect(200, "POST", "/api/v1/usage/summary",
                    Map.of("group_by", List.of(by), "start", start, "end", end)));
        }
        a.put("usage summary component mig-c1", p.expect(200, "POST", "/api/v1/usage/summary",
                Map.of("component", "mig-c1", "start", start, "end", end)));
        a.put("records, first page", p.expect(200, "GET", "/api/v1/usage/records?limit=20", null));
        a.put("alerts", p.expect(200, "GET", "/api/v1/alerts", null));
        a.put("hold", p.expect(200, "GET", "/api/v1/reservations/" + made.get("live hold"), null));
        a.replaceAll((k, v) -> withoutMomentFields(v.deepCopy()));
        return a;
    }

    private static com.fasterxml.jackson.databind.JsonNode withoutMomentFields(com.fasterxml.jackson.databind.JsonNode n) {
        if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.remove(MOMENT_FIELDS);
        }
        n.forEach(MigrateToPostgresTest::withoutMomentFields);
        return n;
    }

    /**
     * Writes the ledger through HTTP: 30 records over five days, three components and three models, an
     * alert crossing and its webhook delivery, a breaker opened by 3 more records, a live and a released hold,
     * a deleted budget, an API key and a price override. Returns ids and the total cost.
     */
    private static Map<String, String> writeLedger(TestServer t) {
        Map<String, String> made = new HashMap<>();
        String team = "mig-team";
        ok(t.post("/api/v1/budgets", Map.of("name", "all", "limits", Map.of("monthly", new BigDecimal("100000")))), 201);
        String capped = ok(t.post("/api/v1/budgets", Map.of("name", team, "scope", Map.of("component", team),
                "limits", Map.of("daily", new BigDecimal("10")))), 201).get("budget_id").asText();
        ok(t.put("/api/v1/budgets/" + capped + "/alerts", Map.of("thresholds", List.of(50),
                "channels", List.of(Map.of("type", "webhook", "url", t.base() + "/no-such-hook")))), 200);
        String gone = ok(t.post("/api/v1/budgets", Map.of("name", "short-lived", "limits",
                Map.of("monthly", new BigDecimal("5")))), 201).get("budget_id").asText();
        ok(t.delete("/api/v1/budgets/" + gone), 200);
        made.put("deleted budget", gone);

        BigDecimal cost = BigDecimal.ZERO;
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String[] models = {"gpt-4o", "gpt-4o-mini", "o3"};
        for (int i = 0; i < 30; i++) {
            BigDecimal c = new BigDecimal("0.0" + (10 + i) + "123");
            cost = cost.add(c);
            ok(t.post("/api/v1/usage/record", Map.of("component", "mig-c" + (i % 3), "provider", "openai",
                    "model", models[i % 3], "input_tokens", 100 + i, "output_tokens", 10 + i, "cost", c,
                    "timestamp", now.minus(Duration.ofHours(26L * (i % 5) + 1)).toString(),
                    "request_id", "mig-req-" + i)), 201);
        }
        // $6 of $10 crosses 50 %: an alert and its delivery; $12 opens the breaker.
        for (String c : new String[]{"6", "3", "3"}) {
            cost = cost.add(new BigDecimal(c));
            ok(t.post("/api/v1/usage/record", Map.of("component", team, "provider", "anthropic", "model", "claude-sonnet-4-5",
                    "input_tokens", 1000, "output_tokens", 100, "cost", new BigDecimal(c))), 201);
        }
        made.put("cost", cost.stripTrailingZeros().toPlainString());
        await().atMost(Duration.ofSeconds(20)).until(() -> t.get("/metrics").raw()
                .contains("penia_alert_deliveries_total{channel=\"webhook\""));

        String live = ok(t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", "mig-c1",
                "estimated_cost", new BigDecimal("0.75"), "reserve", true)), 200).get("reservation_id").asText();
        made.put("live hold", live);
        String released = ok(t.post("/api/v1/budget-alerts/unified/check-operation", Map.of("component", "mig-c2",
                "estimated_cost", new BigDecimal("0.25"), "reserve", true)), 200).get("reservation_id").asText();
        ok(t.post("/api/v1/reservations/" + released + "/release", Map.of()), 200);

        made.put("key", ok(t.post("/api/v1/keys", Map.of("name", "migrated key", "role", "component", "component", "mig-c0")), 201)
                .get("secret").asText());
        ok(t.put("/api/v1/prices/acme/mig-model", Map.of("input_per_million", 2, "output_per_million", 10)), 200);
        return made;
    }

    private static TestServer.Resp ok(TestServer.Resp r, int status) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        return r;
    }

    private static Connection sqlite(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    private long tableCount(String db) throws SQLException {
        return Long.parseLong(row(pg.connect(db), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    /** The first row of a query, its values joined by '|' (and the connection closed). */
    private static String row(Connection c, String sql) throws SQLException {
        try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.add(text(rs.getObject(i)));
            }
            return String.join("|", values);
        }
    }

    /** Every table of the schema: its rows as "column=value" sorted by column name, the rows sorted. */
    private static Map<String, List<String>> contents(Connection c) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        try (c) {
            for (String table : SqliteToPostgres.TABLES) {
                List<String> rows = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        TreeMap<String, String> cols = new TreeMap<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            cols.put(md.getColumnName(i), text(rs.getObject(i)));
                        }
                        rows.add(cols.toString());
                    }
                }
                rows.sort(null);
                tables.put(table, rows);
            }
        }
        return tables;
    }

    /** Integers of any width as their decimal digits, text as is, null as NULL. */
    private static String text(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Number n) {
            return n instanceof BigDecimal b ? b.toPlainString() : Long.toString(n.longValue());
        }
        return v.toString();
    }
}
