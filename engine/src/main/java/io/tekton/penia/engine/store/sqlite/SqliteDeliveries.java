package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.Delivery;
import io.tekton.penia.engine.store.DeliveryTable;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The SQL of the {@code alert_deliveries} outbox: writes for the ledger writer (so they share
 * its transactions and its single connection) and reads through the pool. No rules here.
 */
public class SqliteDeliveries extends SqlTable implements DeliveryTable {
    // Only for an alert row that really exists: the alert insert itself may be a no-op.
    private static final String INSERT = "INSERT INTO alert_deliveries (delivery_id, alert_id, channel_type, target,"
            + " channel_index, status, attempts, next_attempt_ms, created_ms)"
            + " SELECT ?, ?, ?, ?, ?, 'pending', 0, ?, ? WHERE EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)"
            + " ON CONFLICT DO NOTHING";
    private static final String DELIVERED = "UPDATE alert_deliveries SET status = 'delivered', attempts = ?,"
            + " delivered_ms = ?, last_error = NULL WHERE delivery_id = ? AND status = 'pending'";
    private static final String ATTEMPT_FAILED = "UPDATE alert_deliveries SET status = ?, attempts = ?,"
            + " next_attempt_ms = ?, last_error = ? WHERE delivery_id = ? AND status = 'pending'";
    private static final String COLUMNS = "delivery_id, alert_id, channel_type, target, channel_index, status, attempts,"
            + " next_attempt_ms, last_error, created_ms, delivered_ms";

    protected SqliteDeliveries(SqlConnections db) {
        super(db);
    }

    @Override
    public LedgerWriter.SqlWrite insert(String deliveryId, String alertId, String type, String target, int index, long nowMs) {
        return Sql.update(INSERT, deliveryId, alertId, type, target, index, nowMs, nowMs, alertId);
    }

    @Override
    public LedgerWriter.SqlWrite markDelivered(String deliveryId, int attempts, long nowMs) {
        return Sql.update(DELIVERED, attempts, nowMs, deliveryId);
    }

    /** Records a failed attempt: {@code failed} for good, or pending again at {@code nextMs}. */
    @Override
    public LedgerWriter.SqlWrite markAttemptFailed(String deliveryId, int attempts, boolean giveUp, long nextMs, String error) {
        String e = error == null ? "unknown error" : error;
        String bounded = e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) : e;
        return Sql.update(ATTEMPT_FAILED, giveUp ? Delivery.FAILED : Delivery.PENDING, attempts, nextMs, bounded, deliveryId);
    }

    /**
     * Pending deliveries due at {@code nowMs}, at most {@code perTarget} of each channel target,
     * taken round-robin over the targets (the longest waiting first within each): a target with
     * thousands of rows due cannot push another target's first row out of the {@code limit}.
     * (The subquery has a name: PostgreSQL 15 wants one.)
     */
    @Override
    public List<Delivery> due(long nowMs, int perTarget, int limit) {
        return query("SELECT " + COLUMNS + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY channel_type, target"
                + " ORDER BY next_attempt_ms, delivery_id) AS turn FROM alert_deliveries"
                + " WHERE status = 'pending' AND next_attempt_ms <= ?) AS due WHERE turn <= ?"
                + " ORDER BY turn, next_attempt_ms, delivery_id LIMIT ?", List.of(nowMs, perTarget, limit));
    }

    /** When the earliest pending delivery that is not yet due falls due. */
    @Override
    public OptionalLong nextDueAfter(long nowMs) {
        // MIN of no rows is NULL, read as 0.
        long v = query("SELECT MIN(next_attempt_ms) FROM alert_deliveries WHERE status = 'pending'"
                        + " AND next_attempt_ms > ?", ps -> ps.setLong(1, nowMs), rs -> rs.getLong(1), "delivery query failed")
                .stream().findFirst().orElse(0L);
        return v == 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    @Override
    public Optional<Delivery> find(String deliveryId) {
        return query("SELECT " + COLUMNS + " FROM alert_deliveries WHERE delivery_id = ?", List.of(deliveryId))
                .stream().findFirst();
    }

    @Override
    public List<Delivery> forAlert(String alertId) {
        return query("SELECT " + COLUMNS + " FROM alert_deliveries WHERE alert_id = ? ORDER BY channel_index, delivery_id",
                List.of(alertId));
    }

    /** Rows per status: pending, delivered, failed (zero when none). */
    @Override
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put(Delivery.PENDING, 0L);
        out.put(Delivery.DELIVERED, 0L);
        out.put(Delivery.FAILED, 0L);
        query("SELECT status, COUNT(*) FROM alert_deliveries GROUP BY status", ps -> { },
                rs -> Map.entry(rs.getString(1), rs.getLong(2)), "delivery query failed")
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private List<Delivery> query(String sql, List<Object> args) {
        return query(sql, ps -> Sql.bind(ps, args), SqliteDeliveries::delivery, "delivery query failed");
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        long delivered = rs.getLong(11);
        Long deliveredMs = rs.wasNull() ? null : delivered;
        return new Delivery(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                rs.getString(6), rs.getInt(7), rs.getLong(8), rs.getString(9), rs.getLong(10), deliveredMs);
    }
}
