-- The last sync of each configured connection: when, and how it ended. A failed sync leaves the
-- connection's last good snapshot in place; this says why it is not fresher.
CREATE TABLE sync_status (
    connection     TEXT PRIMARY KEY,
    attempted_at   TEXT NOT NULL,
    ok             BOOLEAN NOT NULL,
    error_kind     TEXT,
    error          TEXT,
    last_success   TEXT
);
