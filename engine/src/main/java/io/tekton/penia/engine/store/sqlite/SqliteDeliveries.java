package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.Delivery;
import io.tekton.penia.engine.store.DeliveryTable;
import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The SQL of the {@code alert_deliveries} outbox: writes for the ledger writer (so they share
 * its transactions and its single connection) and reads through the pool. No rules here.
 */
public class SqliteDeliveries implements DeliveryTable {
    // Only for an alert row that really exists: the alert insert itself may be a no-op.
    private static final String INSERT = "INSERT INTO alert_deliveries (delivery_id, alert_id, channel_type, target,"
            + " channel_index, status, attempts, next_attempt_ms, created_ms)"
            + " SELECT ?, ?, ?, ?, ?, 'pending', 0, ?, ? WHERE EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)"
            + " ON CONFLICT DO NOTHING";
    private static final String DELIVERED = "UPDATE alert_deliveries SET status = 'delivered', attempts = ?,"
            + " delivered_ms = ?, last_error = NULL WHERE delivery_id = ? AND status = 'pending'";
    private static final String ATTEMPT_FAILED = "UPDATE alert_deliveries SET status = ?, attempts = ?,"
            + " next_attempt_ms = ?, last_error = ? WHERE delivery_id = ? AND status = 'pending'";
    protected static final String COLUMNS = "delivery_id, alert_id, channel_type, target, channel_index, status, attempts,"
            + " next_attempt_ms, last_error, created_ms, delivered_ms";

    private final SqlConnections db;

    /** Over a SQLite file, or another database's pool whose SQL takes these statements (PostgreSQL). */
    protected SqliteDeliveries(SqlConnections db) {
        this.db = db;
    }

    @Override
    public LedgerWriter.SqlWrite insert(String deliveryId, String alertId, String type, String target, int index, long nowMs) {
        return s -> {
            PreparedStatement ps = s.get(INSERT);
            ps.setString(1, deliveryId);
            ps.setString(2, alertId);
            ps.setString(3, type);
            ps.setString(4, target);
            ps.setInt(5, index);
            ps.setLong(6, nowMs);
            ps.setLong(7, nowMs);
            ps.setString(8, alertId);
            ps.executeUpdate();
        };
    }

    @Override
    public LedgerWriter.SqlWrite markDelivered(String deliveryId, int attempts, long nowMs) {
        return s -> {
            PreparedStatement ps = s.get(DELIVERED);
            ps.setInt(1, attempts);
            ps.setLong(2, nowMs);
            ps.setString(3, deliveryId);
            ps.executeUpdate();
        };
    }

    /** Records a failed attempt: {@code failed} for good, or pending again at {@code nextMs}. */
    @Override
    public LedgerWriter.SqlWrite markAttemptFailed(String deliveryId, int attempts, boolean giveUp, long nextMs, String error) {
        String e = error == null ? "unknown error" : error;
        String bounded = e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) : e;
        return s -> {
            PreparedStatement ps = s.get(ATTEMPT_FAILED);
            ps.setString(1, giveUp ? Delivery.FAILED : Delivery.PENDING);
            ps.setInt(2, attempts);
            ps.setLong(3, nextMs);
            ps.setString(4, bounded);
            ps.setString(5, deliveryId);
            ps.executeUpdate();
        };
    }

    /**
     * Pending deliveries due at {@code nowMs}, at most {@code perTarget} of each channel target,
     * taken round-robin over the targets (the longest waiting first within each): a target with
     * thousands of rows due cannot push another target's first row out of the {@code limit}.
     */
    @Override
    public List<Delivery> due(long nowMs, int perTarget, int limit) {
        return query("SELECT " + COLUMNS + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY channel_type, target"
                + " ORDER BY next_attempt_ms, delivery_id) AS turn FROM alert_deliveries"
                + " WHERE status = 'pending' AND next_attempt_ms <= ?) WHERE turn <= ?"
                + " ORDER BY turn, next_attempt_ms, delivery_id LIMIT ?", List.of(nowMs, perTarget, limit));
    }

    /** When the earliest pending delivery that is not yet due falls due. */
    @Override
    public OptionalLong nextDueAfter(long nowMs) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT MIN(next_attempt_ms) FROM alert_deliveries WHERE status = 'pending' AND next_attempt_ms > ?")) {
            ps.setLong(1, nowMs);
            try (ResultSet rs = ps.executeQuery()) {
                long v = rs.next() ? rs.getLong(1) : 0;
                return rs.wasNull() || v == 0 ? OptionalLong.empty() : OptionalLong.of(v);
            }
        } catch (SQLException e) {
            throw new StoreException("delivery query failed: " + e.getMessage(), e);
        }
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
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, COUNT(*) FROM alert_deliveries GROUP BY status"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("delivery query failed: " + e.getMessage(), e);
        }
    }

    protected final List<Delivery> query(String sql, List<Object> args) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Delivery> out = new ArrayList<>();
                while (rs.next()) {
                    long delivered = rs.getLong(11);
                    Long deliveredMs = rs.wasNull() ? null : delivered;
                    out.add(new Delivery(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getString(6), rs.getInt(7), rs.getLong(8), rs.getString(9), rs.getLong(10), deliveredMs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreException("delivery query failed: " + e.getMessage(), e);
        }
    }
}
