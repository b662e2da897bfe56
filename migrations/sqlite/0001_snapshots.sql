-- Imported connections: what each platform looked like at its last import or sync.
-- Identities and resources keep their index in the snapshot (`id`), so memberships, owners and
-- grants refer to them by number, as the in-memory graph does.

CREATE TABLE connections (
    name           TEXT PRIMARY KEY,
    platform       TEXT NOT NULL,
    server_version TEXT,
    taken_at       TEXT,
    imported_at    TEXT NOT NULL
);

CREATE TABLE identities (
    connection   TEXT    NOT NULL,
    id           INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    email        TEXT,
    display_name TEXT,
    superuser    INTEGER NOT NULL,
    inherit      INTEGER NOT NULL,
    PRIMARY KEY (connection, id)
) WITHOUT ROWID;

CREATE TABLE memberships (
    connection TEXT    NOT NULL,
    member     INTEGER NOT NULL,
    role       INTEGER NOT NULL,
    inherit    INTEGER NOT NULL
);
CREATE INDEX memberships_connection ON memberships (connection);

CREATE TABLE resources (
    connection       TEXT    NOT NULL,
    id               INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    path             TEXT,             -- JSON array, only when a part holds a dot
    owner            INTEGER,
    owner_privileges TEXT,             -- JSON array; NULL means every privilege
    parent           INTEGER,
    PRIMARY KEY (connection, id)
) WITHOUT ROWID;

CREATE TABLE grants (
    connection   TEXT    NOT NULL,
    grantee_id   INTEGER,              -- an identity, or NULL for a pseudo-grantee
    grantee      TEXT,                 -- PUBLIC, domain:NAME, allUsers, allAuthenticatedUsers, specialGroup:…
    privilege    TEXT    NOT NULL,
    resource     INTEGER NOT NULL,
    grant_option INTEGER NOT NULL,
    future       INTEGER NOT NULL,
    condition    TEXT                  -- JSON {title, expression}
);
CREATE INDEX grants_connection ON grants (connection);

-- Bumped by every import, so a server can tell cheaply that its graph is stale.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', 0);
