package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.engine.store.codec.BudgetCodec;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.tekton.penia.engine.store.sqlite.Sql.and;
import static io.tekton.penia.engine.store.sqlite.Sql.bind;
import static io.tekton.penia.engine.store.sqlite.Sql.setNullable;

/**
 * The ledger over SQLite: the writes the engine submits to the {@link LedgerWriter}
 * and the reads it makes at start-up and for history queries. Pure SQL, no rules.
 *
 * <p>Not final: PostgreSQL runs the same statements (store.postgres.PgLedger overrides the few
 * written differently there), reading through {@link SqlConnections} instead of a {@link Database}.
 */
public class SqliteLedger extends SqlTable implements LedgerStore {

    private static final String INSERT_USAGE = "INSERT INTO usage_records (record_id, request_id, ts_ms, component, provider, model,"
            + " input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_micros,"
            + " cost_source, price_version, reservation_id, created_ms, seq, task_type)"
            + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            + " ON CONFLICT DO NOTHING";
    /** Adds a batch's sums to one rollup row (see {@link LedgerWriter.Statements#addRollup}). */
    static final String UPSERT_ROLLUP = "INSERT INTO usage_rollup (bucket_s, component, provider, model, cost_micros,"
            + " input_tokens, output_tokens, record_count, min_seq, max_seq, task_type) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            + " ON CONFLICT(bucket_s, component, provider, model, task_type) DO UPDATE SET cost_micros = cost_micros + excluded.cost_micros,"
            + " input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,"
            + " record_count = record_count + excluded.record_count,"
            + " min_seq = MIN(COALESCE(min_seq, excluded.min_seq), excluded.min_seq),"
            + " max_seq = MAX(COALESCE(max_seq, excluded.max_seq), excluded.max_seq)";
    private static final String USAGE_COLUMNS = "seq, record_id, request_id, ts_ms, component, provider, model, input_tokens,"
            + " output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_micros, cost_source,"
            + " price_version, reservation_id, task_type";

    private final Database db;

    public SqliteLedger(Database db) {
        super(db);
        this.db = db;
    }

    /** Over another database's connections (its SQL must take these statements); {@link #database()} is then null. */
    protected SqliteLedger(SqlConnections source) {
        super(source);
        this.db = null;
    }

    public Database database() {
        return db;
    }

    // ---- writes -------------------------------------------------------------------------

    @Override
    public LedgerWriter.SqlWrite insertUsage(UsageRecord r) {
        return s -> {
            PreparedStatement ps = s.deferrable(INSERT_USAGE);
            ps.setString(1, r.recordId());
            setNullable(ps, 2, r.requestId());
            ps.setLong(3, r.timestamp().toEpochMilli());
            ps.setString(4, r.component());
            ps.setString(5, r.provider());
            ps.setString(6, r.model());
            ps.setLong(7, r.inputTokens());
            ps.setLong(8, r.outputTokens());
            ps.setLong(9, r.cachedInputTokens());
            ps.setLong(10, r.cacheWriteTokens());
            ps.setLong(11, r.reasoningTokens());
            ps.setLong(12, r.cost().micros());
            ps.setString(13, r.costSource());
            setNullable(ps, 14, r.priceVersion());
            setNullable(ps, 15, r.reservationId());
            ps.setLong(16, System.currentTimeMillis());
            long seq = s.nextSeq();
            ps.setLong(17, seq);
            ps.setString(18, r.taskType());
            s.update(ps, "usage_records", r.recordId(), n -> {
                if (n != 1) {
                    throw new SQLException("duplicate usage record " + r.recordId() + " / request " + r.requestId());
                }
            });
            // Summed per batch, written once per rollup row just before the commit.
            s.addRollup(LedgerStore.bucketOf(r.timestamp()), r.component(), r.provider(), r.model(), r.taskType(),
                    r.cost().micros(), r.inputTokens(), r.outputTokens(), seq);
        };
    }

    @Override
    public LedgerWriter.SqlWrite upsertBudget(Budget b) {
        String budgetId = b.budgetId();
        String body = BudgetCodec.toStorage(b);
        boolean active = b.active();
        Instant created = b.createdAt();
        Instant updated = b.updatedAt();
        return Sql.update(upsertBudgetSql(), budgetId, body, active ? 1 : 0, created.toEpochMilli(), updated.toEpochMilli());
    }

    @Override
    public LedgerWriter.SqlWrite deleteBudget(String budgetId, Instant at) {
        return Sql.update("UPDATE budgets SET deleted = 1, is_active = 0, updated_ms = ? WHERE budget_id = ?",
                at.toEpochMilli(), budgetId);
    }

    @Override
    public LedgerWriter.SqlWrite insertReservation(Reservation r) {
        return s -> {
            PreparedStatement ps = s.deferrable("INSERT INTO reservations (reservation_id, component, provider, model, amount_micros,"
                    + " budget_ids, created_ms, expires_ms, status) VALUES (?,?,?,?,?,?,?,?,?)");
            ps.setString(1, r.reservationId());
            ps.setString(2, r.component());
            setNullable(ps, 3, r.provider());
            setNullable(ps, 4, r.model());
            ps.setLong(5, r.amount().micros());
            ps.setString(6, String.join(",", r.budgetIds()));
            ps.setLong(7, r.createdAt().toEpochMilli());
            ps.setLong(8, r.expiresAt().toEpochMilli());
            ps.setString(9, r.status());
            s.update(ps, "reservations", r.reservationId(), null);
        };
    }

    @Override
    public LedgerWriter.SqlWrite closeReservation(String reservationId, String status, Instant at) {
        return s -> {
            PreparedStatement ps = s.deferrable("UPDATE reservations SET status = ?, closed_ms = ? WHERE reservation_id = ?"
                    + " AND status = 'active'");
            ps.setString(1, status);
            ps.setLong(2, at.toEpochMilli());
            ps.setString(3, reservationId);
            s.update(ps, "reservations", reservationId, null);
        };
    }

    @Override
    public LedgerWriter.SqlWrite insertAlert(Alert a, String dedupeKey) {
        return s -> {
            PreparedStatement ps = s.get("INSERT INTO alerts (alert_id, budget_id, period, period_start_ms, alert_type,"
                    + " threshold_percent, severity, monitor, message, is_dismissed, created_ms, suppressed_count, dedupe_key)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
            ps.setString(1, a.alertId());
            setNullable(ps, 2, a.budgetId());
            setNullable(ps, 3, a.period() == null ? null : a.period().wireName());
            setNullable(ps, 4, a.periodStart() == null ? null : a.periodStart().toEpochMilli());
            ps.setString(5, a.alertType());
            setNullable(ps, 6, a.thresholdPercent() == null ? null : a.thresholdPercent().longValue());
            ps.setString(7, a.severity());
            ps.setString(8, a.monitor());
            ps.setString(9, a.message());
            ps.setInt(10, a.dismissed() ? 1 : 0);
            ps.setLong(11, a.createdAt().toEpochMilli());
            ps.setLong(12, a.suppressedCount());
            setNullable(ps, 13, dedupeKey);
            ps.executeUpdate();
        };
    }

    @Override
    public LedgerWriter.SqlWrite addSuppressed(String alertId, long n) {
        return Sql.update("UPDATE alerts SET suppressed_count = suppressed_count + ? WHERE alert_id = ?", n, alertId);
    }

    @Override
    public LedgerWriter.SqlWrite dismissAlert(String alertId) {
        return Sql.update("UPDATE alerts SET is_dismissed = 1 WHERE alert_id = ?", alertId);
    }

    @Override
    public LedgerWriter.SqlWrite upsertBreaker(String budgetId, Period p, Instant periodStart, String state, Instant at,
                                            Long resetSpentMicros) {
        return s -> {
            PreparedStatement ps = s.get("INSERT INTO breakers VALUES (?,?,?,?,?,?) ON CONFLICT(budget_id, period) DO UPDATE SET"
                    + " period_start_ms = excluded.period_start_ms, state = excluded.state, changed_ms = excluded.changed_ms,"
                    + " reset_spent_micros = excluded.reset_spent_micros");
            ps.setString(1, budgetId);
            ps.setString(2, p.wireName());
            ps.setLong(3, periodStart.toEpochMilli());
            ps.setString(4, state);
            ps.setLong(5, at.toEpochMilli());
            setNullable(ps, 6, resetSpentMicros);
            ps.executeUpdate();
        };
    }

    /**
     * Parts a budget id from what an earlier budget of that id left (issue 17): its breaker rows
     * go, and its fired alerts stay as history but no longer dedupe (their key becomes
     * {@code #retired|<alert_id>}, which no live key can equal), so a budget created again
     * under the id starts with a closed breaker and fires its thresholds again.
     */
    @Override
    public LedgerWriter.SqlWrite retireBudgetState(String budgetId) {
        return s -> {
            PreparedStatement breakers = s.get("DELETE FROM breakers WHERE budget_id = ?");
            breakers.setString(1, budgetId);
            breakers.executeUpdate();
            PreparedStatement alerts = s.get(retireAlertsSql());
            alerts.setString(1, budgetId);
            alerts.executeUpdate();
        };
    }

    /** The budget upsert of {@link #upsertBudget} (a dialect words it differently, same parameters). */
    protected String upsertBudgetSql() {
        return "INSERT INTO budgets (budget_id, body, is_active, deleted, created_ms, updated_ms)"
                + " VALUES (?,?,?,0,?,?) ON CONFLICT(budget_id) DO UPDATE SET body = excluded.body,"
                + " is_active = excluded.is_active, updated_ms = excluded.updated_ms, deleted = 0,"
                + " created_ms = CASE WHEN deleted = 1 THEN excluded.created_ms ELSE created_ms END";
    }

    /** The alert update of {@link #retireBudgetState} (a dialect words it differently, same parameter). */
    protected String retireAlertsSql() {
        return "UPDATE alerts SET dedupe_key = '" + RETIRED_ALERT + "' || alert_id"
                + " WHERE budget_id = ? AND dedupe_key IS NOT '" + RETIRED_ALERT + "' || alert_id";
    }

    /** Sets the budgets an active hold counts against (a deleted budget's share is released). */
    @Override
    public LedgerWriter.SqlWrite setReservationBudgets(String reservationId, List<String> budgetIds) {
        return Sql.update("UPDATE reservations SET budget_ids = ? WHERE reservation_id = ? AND status = 'active'",
                String.join(",", budgetIds), reservationId);
    }

    @Override
    public LedgerWriter.SqlWrite putSetting(String key, String value) {
        return Sql.update("INSERT INTO settings VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value);
    }

    @Override
    public LedgerWriter.SqlWrite putJsonSetting(String key, Map<String, ?> value) {
        return putSetting(key, BudgetCodec.json(value));
    }

    @Override
    public LedgerWriter.SqlWrite insertPriceVersion(String provider, String model, Map<String, ?> price, Instant effective,
                                                    long[] versionOut) {
        String body = BudgetCodec.json(price);
        return s -> {
            PreparedStatement ps = s.get("INSERT INTO price_versions (provider, model, body, effective_ms) VALUES (?,?,?,?)");
            ps.setString(1, provider);
            ps.setString(2, model);
            ps.setString(3, body);
            ps.setLong(4, effective.toEpochMilli());
            ps.executeUpdate();
            try (ResultSet rs = s.get("SELECT last_insert_rowid()").executeQuery()) {
                rs.next();
                versionOut[0] = rs.getLong(1);
            }
        };
    }

    // ---- reads --------------------------------------------------------------------------

    @Override
    public List<Budget> loadBudgets() {
        // A deleted budget's body is never decoded (one stored by an old Penia may not parse).
        return query("SELECT body FROM budgets WHERE deleted = 0 ORDER BY created_ms, budget_id", ps -> { },
                rs -> BudgetCodec.fromStorage(rs.getString(1)));
    }

    @Override
    public boolean hasAnyBudgetEverBeenStored() {
        return !query("SELECT 1 FROM budgets LIMIT 1", ps -> { }, rs -> 1).isEmpty();
    }

    @Override
    public List<RollupRow> loadRollups(Instant from, Instant to) {
        return query("SELECT bucket_s, component, provider, model, task_type, cost_micros, input_tokens, output_tokens,"
                        + " record_count FROM usage_rollup WHERE bucket_s >= ? AND bucket_s < ?",
                ps -> {
                    ps.setLong(1, from.getEpochSecond());
                    ps.setLong(2, to.getEpochSecond());
                },
                SqliteLedger::rollupRow);
    }

    private static RollupRow rollupRow(ResultSet rs) throws SQLException {
        return new RollupRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9));
    }

    @Override
    public List<Reservation> loadActiveReservations() {
        return query("SELECT reservation_id, component, provider, model, amount_micros, budget_ids, created_ms, expires_ms,"
                        + " status FROM reservations WHERE status = 'active'", ps -> { },
                SqliteLedger::reservation);
    }

    private static Reservation reservation(ResultSet rs) throws SQLException {
        String ids = rs.getString(6);
        return new Reservation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                Money.ofMicros(rs.getLong(5)), ids.isEmpty() ? List.of() : List.of(ids.split(",")),
                Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)), rs.getString(9));
    }

    @Override
    public Optional<Reservation> findReservation(String id) {
        return query("SELECT reservation_id, component, provider, model, amount_micros, budget_ids, created_ms, expires_ms,"
                        + " status FROM reservations WHERE reservation_id = ?", ps -> ps.setString(1, id),
                SqliteLedger::reservation)
                .stream().findFirst();
    }

    /** Alerts created at or after {@code since}, newest last (used to rebuild dedupe state). */
    @Override
    public List<Map.Entry<Alert, String>> loadAlertsSince(Instant since) {
        return query("SELECT " + ALERT_COLUMNS + ", dedupe_key FROM alerts WHERE created_ms >= ? ORDER BY created_ms",
                ps -> ps.setLong(1, since.toEpochMilli()),
                rs -> Map.entry(alert(rs), rs.getString(13) == null ? "" : rs.getString(13)));
    }

    private static final String ALERT_COLUMNS = "alert_id, budget_id, period, period_start_ms, alert_type, threshold_percent,"
            + " severity, monitor, message, is_dismissed, created_ms, suppressed_count";

    /** Alerts matching the filters, newest first. */
    @Override
    public List<Alert> queryAlerts(String budgetId, String severity, Boolean dismissed, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + ALERT_COLUMNS + " FROM alerts WHERE 1=1");
        List<Object> args = new ArrayList<>();
        and(sql, args, "budget_id = ?", budgetId);
        and(sql, args, "severity = ?", severity);
        and(sql, args, "is_dismissed = ?", dismissed == null ? null : dismissed ? 1 : 0);
        sql.append(" ORDER BY created_ms DESC, alert_id DESC LIMIT ?");
        args.add(limit);
        return query(sql.toString(), ps -> bind(ps, args), SqliteLedger::alert);
    }

    @Override
    public Optional<Alert> findAlert(String alertId) {
        return query("SELECT " + ALERT_COLUMNS + " FROM alerts WHERE alert_id = ?", ps -> ps.setString(1, alertId),
                SqliteLedger::alert).stream().findFirst();
    }

    private static Alert alert(ResultSet rs) throws SQLException {
        String period = rs.getString(3);
        long ps = rs.getLong(4);
        Instant periodStart = rs.wasNull() ? null : Instant.ofEpochMilli(ps);
        int th = rs.getInt(6);
        Integer threshold = rs.wasNull() ? null : th;
        return new Alert(rs.getString(1), rs.getString(2), period == null ? null : Period.parse(period).orElse(null),
                periodStart, rs.getString(5), threshold, rs.getString(7), rs.getString(8), rs.getString(9),
                rs.getInt(10) == 1, Instant.ofEpochMilli(rs.getLong(11)), rs.getLong(12));
    }

    @Override
    public List<StoredBreaker> loadBreakers() {
        return query("SELECT budget_id, period, period_start_ms, state, changed_ms, reset_spent_micros FROM breakers",
                ps -> { }, rs -> {
                    long r = rs.getLong(6);
                    Long reset = rs.wasNull() ? null : r;
                    return new StoredBreaker(rs.getString(1), Period.parse(rs.getString(2)).orElseThrow(),
                            Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), reset);
                });
    }

    @Override
    public Optional<String> getSetting(String key) {
        return query("SELECT value FROM settings WHERE key = ?", ps -> ps.setString(1, key), rs -> rs.getString(1))
                .stream().findFirst();
    }

    @Override
    public Optional<Map<String, Object>> getJsonSetting(String key) {
        return getSetting(key).map(BudgetCodec::parse);
    }

    @Override
    public List<StoredPrice> loadPriceVersions() {
        return query("SELECT version_id, provider, model, body, effective_ms FROM price_versions ORDER BY version_id",
                ps -> { }, rs -> new StoredPrice(rs.getLong(1), rs.getString(2), rs.getString(3), BudgetCodec.parse(rs.getString(4)),
                        Instant.ofEpochMilli(rs.getLong(5))));
    }

    @Override
    public Optional<UsageRecord> findByRequestId(String requestId) {
        return query("SELECT " + USAGE_COLUMNS + " FROM usage_records WHERE request_id = ?",
                ps -> ps.setString(1, requestId), SqliteLedger::usage).stream().findFirst();
    }

    /**
     * The record that settled a hold: the first ledger row carrying its id (a live hold is
     * settled by the first record naming it). reservation_id has no index, so this scans the
     * ledger; the engine asks only for a second settle of a hold it no longer keeps in memory.
     */
    @Override
    public Optional<String> findSettlingRecordId(String reservationId) {
        return query("SELECT record_id FROM usage_records WHERE reservation_id = ? ORDER BY seq LIMIT 1",
                ps -> ps.setString(1, reservationId), rs -> rs.getString(1)).stream().findFirst();
    }

    /**
     * Ledger rows matching the filter, newest first, strictly before {@code beforeSeq} when given.
     *
     * <p>The ledger has no secondary index (schema version 5): every commit wrote a page of each
     * index for every component, provider and model in it. A filtered listing reads the seq
     * intervals of the matching rollup rows instead (each rollup row keeps the lowest and highest
     * seq of its bucket's rows of one component, provider and model), merges them, and scans
     * them newest first until the page is full. A rare combination's interval in a bucket spans
     * only from its first row there to its last; a common one's intervals merge into long runs
     * read in seq order. Without any filter the whole ledger is one interval.
     */
    @Override
    public List<UsageRecord> queryUsage(UsageFilter f, Long beforeSeq, int limit) {
        List<long[]> intervals = narrowed(f) ? intervals(f, beforeSeq)
                : List.of(new long[]{Long.MIN_VALUE, beforeSeq == null ? Long.MAX_VALUE : beforeSeq - 1});
        List<UsageRecord> out = new ArrayList<>();
        for (long[] iv : intervals) {
            StringBuilder sql = new StringBuilder("SELECT " + USAGE_COLUMNS + " FROM usage_records WHERE seq BETWEEN ? AND ?");
            List<Object> args = new ArrayList<>(List.of(iv[0], iv[1]));
            where(f, sql, args);
            sql.append(" ORDER BY seq DESC LIMIT ?");
            args.add(limit - out.size());
            out.addAll(query(sql.toString(), ps -> bind(ps, args), SqliteLedger::usage));
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    private static boolean narrowed(UsageFilter f) {
        return f.component() != null || f.provider() != null || f.model() != null || f.taskType() != null
                || f.start() != null
                || f.end() != null;
    }

    /**
     * The seq intervals that hold every row the filter can match, disjoint and newest first
     * (clipped below {@code beforeSeq} when given), from the rollup rows of the buckets the
     * filter's time range touches.
     */
    List<long[]> intervals(UsageFilter f, Long beforeSeq) {
        StringBuilder sql = new StringBuilder("SELECT min_seq, max_seq FROM usage_rollup WHERE min_seq IS NOT NULL");
        List<Object> args = new ArrayList<>();
        if (f.start() != null) {
            sql.append(" AND bucket_s >= ?");
            args.add(LedgerStore.bucketOf(f.start()));
        }
        if (f.end() != null) {
            // A bucket can hold rows before the end when it starts before it.
            sql.append(" AND bucket_s < ?");
            args.add(Math.floorDiv(f.end().toEpochMilli() + 999, 1000));
        }
        if (beforeSeq != null) {
            sql.append(" AND min_seq < ?");
            args.add(beforeSeq);
        }
        dims(f, sql, args);
        List<long[]> raw = query(sql.toString(), ps -> bind(ps, args), rs -> new long[]{rs.getLong(1), rs.getLong(2)});
        raw.sort((a, b) -> Long.compare(b[1], a[1]));
        List<long[]> merged = new ArrayList<>();
        long[] cur = null;
        for (long[] iv : raw) {
            if (beforeSeq != null && iv[1] >= beforeSeq) {
                iv[1] = beforeSeq - 1;
            }
            if (cur != null && iv[1] >= cur[0] - 1) {
                cur[0] = Math.min(cur[0], iv[0]);
            } else {
                cur = new long[]{iv[0], iv[1]};
                merged.add(cur);
            }
        }
        return merged;
    }

    /** Sums of the raw ledger rows matching the filter (exact, used for partial buckets). */
    @Override
    public List<RollupRow> sumRaw(UsageFilter f, boolean byHourBucket) {
        List<long[]> intervals = intervals(f, null);
        if (intervals.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("SELECT " + (byHourBucket ? "(ts_ms / 1000 / 900) * 900" : "0")
                + ", component, provider, model, task_type, SUM(cost_micros), SUM(input_tokens), SUM(output_tokens),"
                + " COUNT(*)"
                + " FROM usage_records WHERE (");
        List<Object> args = new ArrayList<>();
        for (long[] iv : intervals) {
            sql.append(args.isEmpty() ? "" : " OR ").append("seq BETWEEN ? AND ?");
            args.add(iv[0]);
            args.add(iv[1]);
        }
        sql.append(')');
        where(f, sql, args);
        sql.append(" GROUP BY 1, component, provider, model, task_type");
        return query(sql.toString(), ps -> bind(ps, args), SqliteLedger::rollupRow);
    }

    /** Rollup rows in whole buckets [from, to) matching the filter's dimensions. */
    @Override
    public List<RollupRow> sumRollups(UsageFilter f, long fromBucket, long toBucket) {
        StringBuilder sql = new StringBuilder("SELECT bucket_s, component, provider, model, task_type, cost_micros,"
                + " input_tokens, output_tokens, record_count FROM usage_rollup WHERE bucket_s >= ? AND bucket_s < ?");
        List<Object> args = new ArrayList<>(List.of(fromBucket, toBucket));
        dims(f, sql, args);
        return query(sql.toString(), ps -> bind(ps, args), SqliteLedger::rollupRow);
    }

    /** The watermark, read once from the settings and then kept (null: not read yet; MIN_VALUE: none). */
    private volatile Long archivedBeforeMs;

    /** Ledger rows with a timestamp before this were moved to the monthly archive files ({@link LedgerArchive}). */
    @Override
    public Optional<Instant> archivedBefore() {
        Long ms = archivedBeforeMs;
        if (ms == null) {
            ms = getSetting(ARCHIVED_BEFORE).map(Long::parseLong).orElse(Long.MIN_VALUE);
            archivedBeforeMs = ms;
        }
        return ms == Long.MIN_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ms));
    }

    void archivedBefore(Instant t) {
        archivedBeforeMs = t.toEpochMilli();
    }

    /**
     * Refuses a sum over raw rows that reaches into the archived months: those rows are gone from
     * the live ledger, so the sum would silently miss them. Whole 15-minute buckets come from the
     * rollups and stay exact; only an edge off the quarter hour reads raw rows.
     */
    @Override
    public void requireLive(UsageFilter f) {
        Optional<Instant> mark = archivedBefore();
        if (mark.isPresent() && (f.start() == null || f.start().isBefore(mark.get()))) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "the ledger rows before " + mark.get()
                    + " are archived: a start or end before then must be on a quarter hour (the rollups keep"
                    + " those sums per 15 minutes)", Map.of("archived_before", mark.get().toString()));
        }
    }

    @Override
    public long countUsage() {
        return query("SELECT COUNT(*) FROM usage_records", ps -> { }, rs -> rs.getLong(1)).getFirst();
    }

    /**
     * The whole ledger's sums from the rollups: {cost micros, input tokens, output tokens}. The
     * engine keeps them below its bounds, so no sum of any part of the ledger can overflow.
     */
    @Override
    public long[] ledgerTotals() {
        try {
            return query("SELECT COALESCE(SUM(cost_micros), 0), COALESCE(SUM(input_tokens), 0),"
                    + " COALESCE(SUM(output_tokens), 0) FROM usage_rollup", ps -> { },
                    rs -> new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)}).getFirst();
        } catch (StoreException e) {
            // Only a ledger written before the bounds existed sums past a long (SQLite refuses the
            // exact sum): its floating total, saturated to a long, is then past every bound.
            return query("SELECT TOTAL(cost_micros), TOTAL(input_tokens), TOTAL(output_tokens) FROM usage_rollup",
                    ps -> { }, rs -> new long[]{(long) rs.getDouble(1), (long) rs.getDouble(2),
                            (long) rs.getDouble(3)}).getFirst();
        }
    }

    @Override
    public long sumCostMicros() {
        return query("SELECT COALESCE(SUM(cost_micros), 0) FROM usage_records", ps -> { }, rs -> rs.getLong(1)).getFirst();
    }

    private static void where(UsageFilter f, StringBuilder sql, List<Object> args) {
        dims(f, sql, args);
        times(f, sql, args);
    }

    private static void times(UsageFilter f, StringBuilder sql, List<Object> args) {
        if (f.start() != null) {
            sql.append(" AND ts_ms >= ?");
            args.add(f.start().toEpochMilli());
        }
        if (f.end() != null) {
            sql.append(" AND ts_ms < ?");
            args.add(f.end().toEpochMilli());
        }
    }

    private static void dims(UsageFilter f, StringBuilder sql, List<Object> args) {
        and(sql, args, "component = ?", f.component());
        and(sql, args, "provider = ?", f.provider());
        and(sql, args, "model = ?", f.model());
        and(sql, args, "task_type = ?", f.taskType());
    }

    private static UsageRecord usage(ResultSet rs) throws SQLException {
        return new UsageRecord(rs.getLong(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(17), rs.getLong(8), rs.getLong(9),
                rs.getLong(10), rs.getLong(11), rs.getLong(12), Money.ofMicros(rs.getLong(13)), rs.getString(14),
                rs.getString(15), rs.getString(16));
    }

    // ---- plumbing -----------------------------------------------------------------------

    protected final <T> List<T> query(String sql, Sql.Binder binder, Sql.RowMapper<T> mapper) {
        return query(sql, binder, mapper, "query failed");
    }
}
