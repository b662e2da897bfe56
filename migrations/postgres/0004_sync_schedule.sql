-- When each connection's periodic sync is next due. A server runs a sync only after moving this
-- forward itself (compare and set), so servers sharing a store run each interval's sync once.
CREATE TABLE sync_schedule (
    connection TEXT PRIMARY KEY,
    next_due   BIGINT NOT NULL   -- unix seconds
);
