-- The requests list (REST and /requests) reads newest first, a page at a time: this index gives
-- that order without sorting every request, and the paging cursor (created_at, id) a place to start.
CREATE INDEX requests_newest ON requests (created_at, id);
