package io.tekton.penia.bench.bigdb;

import io.tekton.penia.bench.Opts;
import io.tekton.penia.engine.store.sqlite.Database;
import io.tekton.penia.engine.store.LedgerStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fills a Penia database with {@code rows} usage records spread evenly over the current
 * month (UTC) up to now, and the matching {@code usage_rollup} rows, directly in SQL: the
 * schema comes from Penia's own migrations, the rows from one writer in large transactions
 * with the journal and fsync off during the fill only; WAL mode is restored at the end.
 *
 * <p>Costs are small (1–99 micro-dollars a call, about $50 per million rows) so that the
 * seeded budgets stay below their first alert threshold: start-up evaluates budgets, and an
 * alert storm would measure the alert path instead of the ledger.
 */
public final class Fill {
    static final String[] COMPONENTS = {"apollo", "athena", "ergon", "metis", "sophia", "telos"};
    static final String[][] MODELS = {
        {"openai", "gpt-4o-mini"}, {"openai", "gpt-4o"}, {"anthropic", "claude-sonnet-4-5"},
        {"anthropic", "claude-haiku-4-5"}, {"google", "gemini-2.5-flash"},
    };
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final int TX_ROWS = 250_000;

    private Fill() {
    }

    /** What a fill did. */
    public record Stats(long rows, long rollupRows, double seconds, long bytes, Instant from, Instant to) {
    }

    public static void main(Opts o) throws SQLException, java.io.IOException {
        Stats s = fill(Path.of(o.required("db")), o.longValue("rows", 1_000_000), Instant.now());
        System.out.printf("filled %,d rows (%,d rollup rows) in %.1f s (%,.0f rows/s), %,d MB%n", s.rows(),
                s.rollupRows(), s.seconds(), s.rows() / s.seconds(), s.bytes() >> 20);
    }

    public static Stats fill(Path db, long rows, Instant now) throws SQLException, java.io.IOException {
        for (String suffix : new String[]{"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
        Database.open(db, 2).close();
        Instant from = ZonedDateTime.ofInstant(now, ZoneOffset.UTC).withDayOfMonth(1).toLocalDate()
                .atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = now.minusSeconds(60);
        long t0 = System.nanoTime();
        long rollupRows;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath())) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=DELETE");
                st.execute("PRAGMA journal_mode=OFF");
                st.execute("PRAGMA synchronous=OFF");
                st.execute("PRAGMA locking_mode=EXCLUSIVE");
                st.execute("PRAGMA cache_size=-262144");
                st.execute("PRAGMA temp_store=MEMORY");
            }
            // The ledger's secondary indexes are rebuilt once at the end (a sort) rather than
            // kept up to date row by row; their definitions are read back from the schema.
            List<String> names = new ArrayList<>();
            List<String> indexes = new ArrayList<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                         + " AND tbl_name = 'usage_records' AND sql IS NOT NULL")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    indexes.add(rs.getString(2));
                }
            }
            try (Statement st = c.createStatement()) {
                for (String n : names) {
                    st.execute("DROP INDEX " + n);
                }
            }
            c.setAutoCommit(false);
            Map<Long, long[]> rollup = insertRows(c, rows, from, to);
            rollupRows = insertRollups(c, rollup);
            c.commit();
            try (Statement st = c.createStatement()) {
                for (String sql : indexes) {
                    st.execute(sql);
                }
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA locking_mode=NORMAL");
                st.execute("PRAGMA journal_mode=WAL");
            }
            verify(c, rows);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Stats(rows, rollupRows, secs, Files.size(db), from, to);
    }

    private static Map<Long, long[]> insertRows(Connection c, long rows, Instant from, Instant to) throws SQLException {
        Map<Long, long[]> rollup = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(42);
        long fromMs = from.toEpochMilli();
        double stepMs = (double) (to.toEpochMilli() - fromMs) / rows;
        int dims = COMPONENTS.length * MODELS.length;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (record_id, request_id, ts_ms,"
                + " component, provider, model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,"
                + " reasoning_tokens, cost_micros, cost_source, price_version, reservation_id, created_ms, seq)"
                + " VALUES (?,NULL,?,?,?,?,?,?,0,0,0,?,'reported',NULL,NULL,?,?)")) {
            for (long i = 0; i < rows; i++) {
                long ts = fromMs + (long) ((i + rnd.nextDouble()) * stepMs);
                int dim = rnd.nextInt(dims);
                String component = COMPONENTS[dim / MODELS.length];
                String[] pm = MODELS[dim % MODELS.length];
                long in = 50 + rnd.nextInt(1950);
                long out = 10 + rnd.nextInt(490);
                long cost = 1 + rnd.nextInt(99);
                ps.setString(1, id(ts, rnd));
                ps.setLong(2, ts);
                ps.setString(3, component);
                ps.setString(4, pm[0]);
                ps.setString(5, pm[1]);
                ps.setLong(6, in);
                ps.setLong(7, out);
                ps.setLong(8, cost);
                ps.setLong(9, ts);
                ps.setLong(10, i + 1);
                ps.executeUpdate();
                long bucket = Math.floorDiv(ts / 1000, LedgerStore.BUCKET_SECONDS) * LedgerStore.BUCKET_SECONDS;
                long[] a = rollup.computeIfAbsent(bucket * 64 + dim, k -> new long[]{0, 0, 0, 0, Long.MAX_VALUE, 0});
                a[0] += cost;
                a[1] += in;
                a[2] += out;
                a[3]++;
                a[4] = Math.min(a[4], i + 1);
                a[5] = Math.max(a[5], i + 1);
                if ((i + 1) % TX_ROWS == 0) {
                    c.commit();
                    if ((i + 1) % (TX_ROWS * 8L) == 0) {
                        System.out.printf("  %,d rows%n", i + 1);
                    }
                }
            }
        }
        return rollup;
    }

    private static long insertRollups(Connection c, Map<Long, long[]> rollup) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_rollup (bucket_s, component, provider, model,"
                + " cost_micros, input_tokens, output_tokens, record_count, min_seq, max_seq) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
            for (Map.Entry<Long, long[]> e : rollup.entrySet()) {
                long bucket = e.getKey() >> 6;
                int dim = (int) (e.getKey() & 63);
                String[] pm = MODELS[dim % MODELS.length];
                long[] a = e.getValue();
                ps.setLong(1, bucket);
                ps.setString(2, COMPONENTS[dim / MODELS.length]);
                ps.setString(3, pm[0]);
                ps.setString(4, pm[1]);
                // The six sums in the columns' order: cost, input and output tokens, records, min and max seq.
                for (int k = 0; k < a.length; k++) {
                    ps.setLong(5 + k, a[k]);
                }
                ps.executeUpdate();
            }
        }
        return rollup.size();
    }

    /** The ledger and its rollups agree to the micro-dollar and the row (SPEC §2). */
    private static void verify(Connection c, long rows) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet a = st.executeQuery("SELECT COUNT(*), SUM(cost_micros) FROM usage_records")) {
            a.next();
            long n = a.getLong(1);
            long cost = a.getLong(2);
            try (Statement st2 = c.createStatement();
                 ResultSet b = st2.executeQuery("SELECT SUM(record_count), SUM(cost_micros) FROM usage_rollup")) {
                b.next();
                if (n != rows || b.getLong(1) != n || b.getLong(2) != cost) {
                    throw new IllegalStateException("ledger and rollups disagree: rows " + n + "/" + b.getLong(1)
                            + ", cost " + cost + "/" + b.getLong(2));
                }
            }
        }
    }

    /** Penia's record id format (prefix, 10 chars of time, 12 random), from a fast seeded generator. */
    private static String id(long epochMillis, SplittableRandom rnd) {
        char[] out = new char[26];
        out[0] = 'r';
        out[1] = 'e';
        out[2] = 'c';
        out[3] = '_';
        long t = epochMillis;
        for (int i = 13; i >= 4; i--) {
            out[i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        long r = rnd.nextLong();
        for (int i = 14; i < 26; i++) {
            out[i] = ALPHABET[(int) (r & 31)];
            r >>>= 5;
        }
        return new String(out);
    }
}
