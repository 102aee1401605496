-- Penia schema, version 6: the task type as a usage dimension (issue 21), like component,
-- provider and model. Every ledger row carries one; rows written before have Tekton's default
-- task type. The rollups are keyed by it too, so a budget scoped to a task type and a summary
-- grouped by it read sums, never raw rows: the rollup table is rebuilt with the task type in its
-- key (its rows so far all become 'default', their sums and seq intervals unchanged).
ALTER TABLE usage_records ADD COLUMN task_type TEXT NOT NULL DEFAULT 'default';
CREATE TABLE usage_rollup_v6 (
    bucket_s       INTEGER NOT NULL,
    component      TEXT NOT NULL,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    task_type      TEXT NOT NULL DEFAULT 'default',
    cost_micros    INTEGER NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    record_count   INTEGER NOT NULL,
    min_seq        INTEGER,
    max_seq        INTEGER,
    PRIMARY KEY (bucket_s, component, provider, model, task_type)
) WITHOUT ROWID;
INSERT INTO usage_rollup_v6 (bucket_s, component, provider, model, task_type, cost_micros, input_tokens,
                             output_tokens, record_count, min_seq, max_seq)
    SELECT bucket_s, component, provider, model, 'default', cost_micros, input_tokens, output_tokens, record_count,
           min_seq, max_seq FROM usage_rollup;
DROP TABLE usage_rollup;
ALTER TABLE usage_rollup_v6 RENAME TO usage_rollup;
