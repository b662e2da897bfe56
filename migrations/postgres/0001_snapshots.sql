-- Imported connections: what each platform looked like at its last import or sync (the
-- PostgreSQL twin of migrations/sqlite/0001). Identities and resources keep their index in the
-- snapshot (`id`), so memberships, owners and grants refer to them by number, as the in-memory
-- graph does. Memberships and grants have no rowid here: `seq` is their place in the snapshot,
-- so they load back in the order they were imported.
-- Times stay RFC 3339 TEXT (as in SQLite): TIMESTAMPTZ would round nanoseconds away. Text that
-- is sorted is COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.

CREATE TABLE connections (
    name           TEXT COLLATE "C" PRIMARY KEY,
    platform       TEXT NOT NULL,
    server_version TEXT,
    taken_at       TEXT,
    imported_at    TEXT NOT NULL
);

CREATE TABLE identities (
    connection   TEXT    NOT NULL,
    id           BIGINT  NOT NULL,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    email        TEXT,
    display_name TEXT,
    superuser    BOOLEAN NOT NULL,
    inherit      BOOLEAN NOT NULL,
    PRIMARY KEY (connection, id)
);

CREATE TABLE memberships (
    connection TEXT    NOT NULL,
    seq        BIGINT  NOT NULL,
    member     BIGINT  NOT NULL,
    role       BIGINT  NOT NULL,
    inherit    BOOLEAN NOT NULL,
    PRIMARY KEY (connection, seq)
);

CREATE TABLE resources (
    connection       TEXT   NOT NULL,
    id               BIGINT NOT NULL,
    name             TEXT   NOT NULL,
    kind             TEXT   NOT NULL,
    path             TEXT,             -- JSON array, only when a part holds a dot
    owner            BIGINT,
    owner_privileges TEXT,             -- JSON array; NULL means every privilege
    parent           BIGINT,
    PRIMARY KEY (connection, id)
);

CREATE TABLE grants (
    connection   TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    grantee_id   BIGINT,               -- an identity, or NULL for a pseudo-grantee
    grantee      TEXT,                 -- PUBLIC, domain:NAME, allUsers, allAuthenticatedUsers, specialGroup:…
    privilege    TEXT    NOT NULL,
    resource     BIGINT  NOT NULL,
    grant_option BOOLEAN NOT NULL,
    future       BOOLEAN NOT NULL,
    condition    TEXT,                 -- JSON {title, expression}
    PRIMARY KEY (connection, seq)
);

-- Bumped by every import, so a server can tell cheaply that its graph is stale. An import locks
-- this row first, which also serialises imports from servers sharing the database.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', 0);
