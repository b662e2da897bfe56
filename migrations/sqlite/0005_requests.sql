-- Access requests, the audit log and the job queue. Written in SQL that SQLite and PostgreSQL
-- both accept, identical in both migration folders (src/store/portable/ holds the queries).

-- A request is one JSON document (`doc`) with the columns that lists filter on beside it.
-- `version` moves on every change: an update names the version it read (compare and set), so
-- two reviewers approving at the same instant cannot both succeed.
CREATE TABLE requests (
    id           TEXT PRIMARY KEY,
    status       TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX requests_by_status ON requests (status, created_at);
CREATE INDEX requests_by_requester ON requests (requester_id, created_at);

-- Append-only; each event carries the hash of the one before. `audit_head` is the last
-- sequence number and hash: updating it first serialises appends (a row lock on PostgreSQL,
-- the write lock on SQLite) and lets `verify` notice a deleted tail.
CREATE TABLE audit (
    seq        BIGINT PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    request_id TEXT,
    data       TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_by_request ON audit (request_id, seq);

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Provisioning, expiry and revoke jobs. A job is claimed by setting `lease_until`; a server
-- that dies holding one loses it when the lease runs out, and another takes it over.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    run_at      BIGINT NOT NULL,          -- unix milliseconds
    attempts    BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,          -- unix milliseconds; 0 when not claimed
    done        BOOLEAN NOT NULL,
    last_error  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (done, run_at);

-- A difference between what Warden provisioned and what the last sync saw.
CREATE TABLE drift (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    connection  TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- missing | reappeared
    detail      TEXT NOT NULL,            -- JSON: the change
    found_at    TEXT NOT NULL,
    resolved_at TEXT
);
