-- The resources each request asks for, as the keys the request lists filter on (issue 12):
-- one row per request, connection and key, where the keys are the resource's full name and
-- every dotted tail of it (`analytics.sales.orders`, `sales.orders`, `orders`), case folded by
-- the server (store/rows/requests.rs), so that both databases match alike. Written with the
-- request; the requests stored before this table are filled in when a server opens the store
-- (portable/requests.rs, backfill_resources), where the same Rust code makes the keys.
CREATE TABLE request_resources (
    match_key  TEXT NOT NULL,
    connection TEXT NOT NULL,
    request_id TEXT NOT NULL,
    PRIMARY KEY (match_key, connection, request_id)
);
CREATE INDEX request_resources_by_request ON request_resources (request_id);
