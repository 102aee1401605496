-- Penia schema, version 2: the delivery outbox of alert channels (webhook, Slack, e-mail).
-- One row per alert and channel, inserted in the same transaction as the alert; the unique
-- key makes each alert delivered at most once per channel. Secrets are never stored here:
-- the sender looks them up in the budget (or the global channels) at send time.
CREATE TABLE alert_deliveries (
    delivery_id      TEXT PRIMARY KEY,
    alert_id         TEXT NOT NULL,
    channel_type     TEXT NOT NULL,           -- webhook | slack | email
    target           TEXT NOT NULL,           -- the URL, or the comma-separated addresses
    channel_index    INTEGER NOT NULL,        -- position in the channel list it came from
    status           TEXT NOT NULL,           -- pending | delivered | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    last_error       TEXT,
    created_ms       INTEGER NOT NULL,
    delivered_ms     INTEGER,
    UNIQUE (alert_id, channel_type, target)
);
CREATE INDEX ix_deliveries_due ON alert_deliveries(status, next_attempt_ms);
