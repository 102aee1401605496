-- Penia schema, version 3: API keys and the audit trail (SPEC §9).
-- A key's secret is never stored: only "sha256:<salt>:<digest>" of it, the salt random per key
-- (the secret carries 256 random bits, so a salted SHA-256 cannot be reversed by guessing).
-- A revoked key keeps its row (revoked_ms set) so the audit trail can still name it.
CREATE TABLE api_keys (
    key_id        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'component', 'viewer')),
    component     TEXT,                    -- set exactly for the component role
    secret_hash   TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    revoked_ms    INTEGER,
    last_used_ms  INTEGER,
    CHECK ((role = 'component') = (component IS NOT NULL))
);

-- One row per change to budgets, thresholds, prices, breakers and keys: who, when, what,
-- and the target before and after (JSON, secrets redacted; null for a create or delete).
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms        INTEGER NOT NULL,
    actor        TEXT NOT NULL,            -- a key id, 'admin-env' or 'local' (open mode, stdio)
    action       TEXT NOT NULL,            -- e.g. budget.create, thresholds.update, api_key.revoke
    target_type  TEXT NOT NULL,            -- budget | thresholds | price | breaker | api_key
    target_id    TEXT,
    before_json  TEXT,
    after_json   TEXT
);
CREATE INDEX ix_audit_target ON audit_log(target_type, target_id, seq);
