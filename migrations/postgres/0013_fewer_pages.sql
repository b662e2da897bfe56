-- SQLite only (its rowid tables); PostgreSQL's tables are unchanged. Kept so that both folders
-- number alike.
SELECT 1;
