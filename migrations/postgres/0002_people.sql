-- People, their bearer tokens (hashed), chat conversations, and the log of tool calls agents made
-- (the PostgreSQL twin of migrations/sqlite/0002).

-- SQLite's COLLATE NOCASE becomes unique indexes on lower(...): a name or email is taken in any
-- case, and find_person looks them up the same way (these indexes serve that lookup too).
-- COLLATE "C" makes lower() fold ASCII letters only, as NOCASE does, and sorts in byte order.
CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    email      TEXT COLLATE "C",
    role       TEXT NOT NULL CHECK (role IN ('requester', 'reviewer', 'admin')),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX people_name_any_case ON people (lower(name));
CREATE UNIQUE INDEX people_email_any_case ON people (lower(email));

CREATE TABLE tokens (
    id         TEXT COLLATE "C" PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    agent      TEXT,                   -- set when an AI agent acts for the person
    hash       TEXT NOT NULL UNIQUE,   -- SHA-256 of the secret; the secret is never stored
    created_at TEXT COLLATE "C" NOT NULL,
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
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    agent      TEXT NOT NULL,
    token_id   TEXT,
    tool       TEXT NOT NULL,
    arguments  TEXT NOT NULL,
    outcome    TEXT NOT NULL           -- 'ok' or the error code
);
