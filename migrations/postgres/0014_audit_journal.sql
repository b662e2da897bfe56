-- SQLite only (its audit journal); PostgreSQL's group commit writes to the chain directly.
-- Kept so that both folders number alike.
SELECT 1;
