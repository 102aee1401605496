package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.codec.BudgetCodec;
import io.tekton.penia.engine.store.sqlite.LedgerWriter;
import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteLedger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;

/**
 * The ledger over PostgreSQL: SQLite's statements ({@link SqliteLedger}), which PostgreSQL takes as
 * they are, except the few written here in its dialect:
 * <ul>
 * <li>an upsert's {@code DO UPDATE} names the existing row's columns through the table's alias (an
 *     unqualified column is ambiguous beside {@code excluded} in PostgreSQL);</li>
 * <li>{@code IS NOT} between texts is {@code IS DISTINCT FROM};</li>
 * <li>a new price version's id comes back with {@code RETURNING}, not {@code last_insert_rowid()};</li>
 * <li>the rollup upsert of the writer ({@link #UPSERT_ROLLUP}) uses {@code LEAST}/{@code GREATEST}, not
 *     the two-argument {@code MIN}/{@code MAX};</li>
 * <li>the ledger's sums are {@code numeric} in PostgreSQL and never overflow: past a long they are
 *     saturated (SQLite's fallback was {@code TOTAL()}).</li>
 * </ul>
 */
public final class PgLedger extends SqliteLedger {
    /** The ledger's highest seq so far (the writer counts on from it, as SQLite's does). */
    static final String MAX_SEQ = "SELECT COALESCE(MAX(seq), 0) FROM usage_records";
    /** SQLite's rollup upsert in PostgreSQL's words: the same parameters in the same order. */
    static final String UPSERT_ROLLUP = "INSERT INTO usage_rollup AS r (bucket_s, component, provider, model, cost_micros,"
            + " input_tokens, output_tokens, record_count, min_seq, max_seq, task_type) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            + " ON CONFLICT (bucket_s, component, provider, model, task_type) DO UPDATE SET"
            + " cost_micros = r.cost_micros + excluded.cost_micros,"
            + " input_tokens = r.input_tokens + excluded.input_tokens, output_tokens = r.output_tokens + excluded.output_tokens,"
            + " record_count = r.record_count + excluded.record_count,"
            + " min_seq = LEAST(COALESCE(r.min_seq, excluded.min_seq), excluded.min_seq),"
            + " max_seq = GREATEST(COALESCE(r.max_seq, excluded.max_seq), excluded.max_seq)";
    private static final String UPSERT_BUDGET = "INSERT INTO budgets AS b (budget_id, body, is_active, deleted, created_ms,"
            + " updated_ms) VALUES (?,?,?,0,?,?) ON CONFLICT (budget_id) DO UPDATE SET body = excluded.body,"
            + " is_active = excluded.is_active, updated_ms = excluded.updated_ms, deleted = 0,"
            + " created_ms = CASE WHEN b.deleted = 1 THEN excluded.created_ms ELSE b.created_ms END";
    private static final String RETIRE_ALERTS = "UPDATE alerts SET dedupe_key = '" + RETIRED_ALERT + "' || alert_id"
            + " WHERE budget_id = ? AND dedupe_key IS DISTINCT FROM '" + RETIRED_ALERT + "' || alert_id";
    private static final String INSERT_PRICE = "INSERT INTO price_versions (provider, model, body, effective_ms)"
            + " VALUES (?,?,?,?) RETURNING version_id";
    /** Long.MAX_VALUE: a sum past it is saturated there (past every bound of the engine). */
    private static final String SATURATED = "9223372036854775807";

    PgLedger(SqlConnections source) {
        super(source);
    }

    @Override
    protected String upsertBudgetSql() {
        return UPSERT_BUDGET;
    }

    @Override
    protected String retireAlertsSql() {
        return RETIRE_ALERTS;
    }

    @Override
    public LedgerWriter.SqlWrite insertPriceVersion(String provider, String model, Map<String, ?> price, Instant effective,
                                                    long[] versionOut) {
        String body = BudgetCodec.json(price);
        return s -> {
            PreparedStatement ps = s.get(INSERT_PRICE);
            ps.setString(1, provider);
            ps.setString(2, model);
            ps.setString(3, body);
            ps.setLong(4, effective.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                versionOut[0] = rs.getLong(1);
            }
        };
    }

    @Override
    public long[] ledgerTotals() {
        return query("SELECT " + saturatedSum("cost_micros") + ", " + saturatedSum("input_tokens") + ", "
                        + saturatedSum("output_tokens") + " FROM usage_rollup", ps -> { },
                rs -> new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)}).getFirst();
    }

    private static String saturatedSum(String column) {
        return "LEAST(COALESCE(SUM(" + column + "), 0), " + SATURATED + ")::BIGINT";
    }
}
