-- Penia schema, version 5: the ledger's rows are found through their rollups (PERFORMANCE.md,
-- change 28). Each rollup row keeps the lowest and highest seq of its rows, so the rows of a
-- 15-minute bucket and a component/provider/model lie in one seq interval; listings and the
-- raw sums of partial buckets scan those intervals. The four secondary indexes of the ledger
-- are dropped: every commit wrote a page of each for every component, provider and model in it
-- (without them the normal call pattern ran 15 % faster).
ALTER TABLE usage_rollup ADD COLUMN min_seq INTEGER;
ALTER TABLE usage_rollup ADD COLUMN max_seq INTEGER;
UPDATE usage_rollup SET (min_seq, max_seq) = (
    SELECT MIN(u.seq), MAX(u.seq) FROM usage_records u
    WHERE u.component = usage_rollup.component
      AND u.ts_ms >= usage_rollup.bucket_s * 1000 AND u.ts_ms < usage_rollup.bucket_s * 1000 + 900000
      AND u.provider = usage_rollup.provider AND u.model = usage_rollup.model);
DROP INDEX ix_usage_ts;
DROP INDEX ix_usage_component;
DROP INDEX ix_usage_provider;
DROP INDEX ix_usage_model;
