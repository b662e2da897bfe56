-- Links between a person and a platform identity made or removed by an admin by hand. The
-- automatic links (same email, else same name) are recomputed at every import; these rows are
-- applied on top of them and survive re-imports: `linked` true adds a link, false removes an
-- automatic one.
CREATE TABLE person_links (
    person_id  TEXT NOT NULL,
    connection TEXT NOT NULL,
    identity   TEXT NOT NULL,
    linked     BOOLEAN NOT NULL,
    by_whom    TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (person_id, connection, identity)
);
