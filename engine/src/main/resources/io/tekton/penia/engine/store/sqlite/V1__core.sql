-- Penia schema, version 1: budgets, the usage ledger and its rollups, reservations,
-- alerts, circuit breakers, price versions and settings.
CREATE TABLE budgets (
    budget_id   TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    is_active   INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
);

CREATE TABLE usage_records (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id            TEXT NOT NULL UNIQUE,
    request_id           TEXT UNIQUE,
    ts_ms                INTEGER NOT NULL,
    component            TEXT NOT NULL,
    provider             TEXT NOT NULL,
    model                TEXT NOT NULL,
    input_tokens         INTEGER NOT NULL,
    output_tokens        INTEGER NOT NULL,
    cached_input_tokens  INTEGER NOT NULL,
    cache_write_tokens   INTEGER NOT NULL,
    reasoning_tokens     INTEGER NOT NULL,
    cost_micros          INTEGER NOT NULL,
    cost_source          TEXT NOT NULL,
    price_version        TEXT,
    reservation_id       TEXT,
    created_ms           INTEGER NOT NULL
);
CREATE INDEX ix_usage_ts        ON usage_records(ts_ms);
CREATE INDEX ix_usage_component ON usage_records(component, ts_ms);
CREATE INDEX ix_usage_provider  ON usage_records(provider, ts_ms);
CREATE INDEX ix_usage_model     ON usage_records(model, ts_ms);

-- Sums of the ledger per 15-minute bucket (every time zone's period boundary falls on
-- one) and per component/provider/model; written in the same transaction as the rows.
CREATE TABLE usage_rollup (
    bucket_s       INTEGER NOT NULL,
    component      TEXT NOT NULL,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    cost_micros    INTEGER NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    record_count   INTEGER NOT NULL,
    PRIMARY KEY (bucket_s, component, provider, model)
) WITHOUT ROWID;

CREATE TABLE reservations (
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
);
CREATE INDEX ix_reservations_status ON reservations(status, expires_ms);

CREATE TABLE alerts (
    alert_id           TEXT PRIMARY KEY,
    budget_id          TEXT,
    period             TEXT,
    period_start_ms    INTEGER,
    alert_type         TEXT NOT NULL,
    threshold_percent  INTEGER,
    severity           TEXT NOT NULL,
    monitor            TEXT NOT NULL,
    message            TEXT NOT NULL,
    is_dismissed       INTEGER NOT NULL DEFAULT 0,
    created_ms         INTEGER NOT NULL,
    suppressed_count   INTEGER NOT NULL DEFAULT 0,
    dedupe_key         TEXT UNIQUE
);
CREATE INDEX ix_alerts_budget  ON alerts(budget_id, created_ms);
CREATE INDEX ix_alerts_created ON alerts(created_ms);

CREATE TABLE breakers (
    budget_id           TEXT NOT NULL,
    period              TEXT NOT NULL,
    period_start_ms     INTEGER NOT NULL,
    state               TEXT NOT NULL,
    changed_ms          INTEGER NOT NULL,
    reset_spent_micros  INTEGER,
    PRIMARY KEY (budget_id, period)
);

CREATE TABLE price_versions (
    version_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    body          TEXT NOT NULL,
    effective_ms  INTEGER NOT NULL
);
CREATE INDEX ix_price_versions_model ON price_versions(provider, model, version_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
