-- The grants each live request counts on (one row per request and grant, derived from the
-- request's document and written with it). When a request ends, the others that still rely on
-- the same grant are found here: the grant is handed over rather than revoked. `releasing`
-- marks a revoke under way; the store refuses a write that would make a request rely on a grant
-- another is releasing (and the reverse), so a revoke never strands a request.
CREATE TABLE request_grants (
    grant_key  TEXT NOT NULL,
    request_id TEXT NOT NULL,
    releasing  BOOLEAN NOT NULL,
    PRIMARY KEY (grant_key, request_id)
);
CREATE INDEX request_grants_by_request ON request_grants (request_id);
