-- For metrics: how long the last successful sync of a connection took, and how many syncs have
-- failed in a row since (0 when the last one succeeded).
ALTER TABLE sync_status ADD COLUMN success_ms BIGINT;
ALTER TABLE sync_status ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
