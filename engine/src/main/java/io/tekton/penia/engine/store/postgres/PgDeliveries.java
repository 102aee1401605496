package io.tekton.penia.engine.store.postgres;

import io.tekton.penia.engine.store.Delivery;
import io.tekton.penia.engine.store.sqlite.SqlConnections;
import io.tekton.penia.engine.store.sqlite.SqliteDeliveries;

import java.util.List;

/** The delivery outbox on PostgreSQL: SQLite's statements, but a subquery in FROM has a name (PostgreSQL 15 wants one). */
final class PgDeliveries extends SqliteDeliveries {
    PgDeliveries(SqlConnections db) {
        super(db);
    }

    @Override
    public List<Delivery> due(long nowMs, int perTarget, int limit) {
        return query("SELECT " + COLUMNS + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY channel_type, target"
                + " ORDER BY next_attempt_ms, delivery_id) AS turn FROM alert_deliveries"
                + " WHERE status = 'pending' AND next_attempt_ms <= ?) AS due WHERE turn <= ?"
                + " ORDER BY turn, next_attempt_ms, delivery_id LIMIT ?", List.of(nowMs, perTarget, limit));
    }
}
