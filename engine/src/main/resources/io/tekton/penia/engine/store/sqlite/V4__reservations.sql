-- Penia schema, version 4: cheaper hold rows (PERFORMANCE.md, change 22).
-- Every hold is written twice (taken, then settled, released or expired), on the path of the
-- normal call pattern. The table is now keyed by its id itself (WITHOUT ROWID: one B-tree
-- instead of a rowid table plus a unique index), and only active holds are indexed (a
-- partial index: a closed hold leaves it instead of moving to another place in it, and the
-- start-up read of active holds no longer walks the whole history).
CREATE TABLE reservations_v4 (
    reservation_id  TEXT PRIMARY KEY,
    component       TEXT NOT NULL,
    provider        TEXT,
    model           TEXT,
    amount_micros   INTEGER NOT NULL,
    budget_ids      TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    expires_ms      INTEGER NOT NULL,
    status          TEXT NOT NULL,
    closed_ms       INTEGER
) WITHOUT ROWID;
INSERT INTO reservations_v4 (reservation_id, component, provider, model, amount_micros, budget_ids, created_ms,
                             expires_ms, status, closed_ms)
    SELECT reservation_id, component, provider, model, amount_micros, budget_ids, created_ms, expires_ms, status,
           closed_ms FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_v4 RENAME TO reservations;
CREATE INDEX ix_reservations_active ON reservations(expires_ms) WHERE status = 'active';
