-- Dashboard sign-ins (issue 12): sessions (the cookie `warden_session`) and one-time sign-in links,
-- each stored only as the SHA-256 hash of its secret, with the person, the session's CSRF token and
-- the expiry. Times are fixed-width RFC 3339 stamps (model::time::stamp), so text order is time order.
CREATE TABLE web_sessions (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('session', 'link')),
    person_id  TEXT NOT NULL REFERENCES people (id),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
