-- People, their bearer tokens (hashed), chat conversations, and the log of tool calls agents made.

CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email      TEXT UNIQUE COLLATE NOCASE,
    role       TEXT NOT NULL CHECK (role IN ('requester', 'reviewer', 'admin')),
    created_at TEXT NOT NULL
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    agent      TEXT,                   -- set when an AI agent acts for the person
    hash       TEXT NOT NULL UNIQUE,   -- SHA-256 of the secret; the secret is never stored
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- A chat conversation's state (JSON), so that a follow-up reaches any server sharing the store.
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,          -- person id, or '' for the local operator
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE agent_calls (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    agent      TEXT NOT NULL,
    token_id   TEXT,
    tool       TEXT NOT NULL,
    arguments  TEXT NOT NULL,
    outcome    TEXT NOT NULL           -- 'ok' or the error code
);
