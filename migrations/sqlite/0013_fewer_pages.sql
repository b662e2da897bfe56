-- Fewer pages written per audited call. `audit.seq` was `BIGINT PRIMARY KEY`, which SQLite keeps
-- as a second index beside the table's rowid; as `INTEGER PRIMARY KEY` it is the rowid itself,
-- so an event is one b-tree insert, not two. `agent_calls` was AUTOINCREMENT, which also writes
-- `sqlite_sequence` on every insert; its rows are never deleted, so a plain rowid gives the same
-- increasing numbers. Rows, values and order are kept as they are.
CREATE TABLE audit_rowid (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    request_id TEXT,
    data       TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
INSERT INTO audit_rowid (seq, at, actor, kind, request_id, data, prev_hash, hash)
    SELECT seq, at, actor, kind, request_id, data, prev_hash, hash FROM audit ORDER BY seq;
DROP TABLE audit;
ALTER TABLE audit_rowid RENAME TO audit;
CREATE INDEX audit_by_request ON audit (request_id, seq);

CREATE TABLE agent_calls_rowid (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    agent      TEXT NOT NULL,
    token_id   TEXT,
    tool       TEXT NOT NULL,
    arguments  TEXT NOT NULL,
    outcome    TEXT NOT NULL
);
INSERT INTO agent_calls_rowid (seq, at, person_id, agent, token_id, tool, arguments, outcome)
    SELECT seq, at, person_id, agent, token_id, tool, arguments, outcome FROM agent_calls
     ORDER BY seq;
DROP TABLE agent_calls;
ALTER TABLE agent_calls_rowid RENAME TO agent_calls;
