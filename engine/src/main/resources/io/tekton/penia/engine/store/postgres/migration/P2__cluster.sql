-- Several instances over one database (issue 23): who leads. One row, changed only by the
-- instance that has just taken the leadership's advisory lock; every write transaction of the
-- leader reads its epoch (FOR SHARE) first and fails when it is not the one the leader won with,
-- so a deposed leader's late batches never commit.
CREATE TABLE cluster_leader (
    id           SMALLINT PRIMARY KEY CHECK (id = 1),
    instance_id  TEXT,
    url          TEXT,
    epoch        BIGINT NOT NULL,
    since_ms     BIGINT
);
INSERT INTO cluster_leader (id, instance_id, url, epoch, since_ms) VALUES (1, NULL, NULL, 0, NULL);
