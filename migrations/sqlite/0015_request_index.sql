-- `audit_by_request` held a row for every event, agents' tool calls too (no request: thousands
-- a second under agents), and the audit list never used it (its filter read
-- `($3 IS NULL OR request_id = $3)`, which no index serves). Now it holds a request's events
-- only, and a list for one request asks `request_id = $3`, which it serves.
DROP INDEX audit_by_request;
CREATE INDEX audit_by_request ON audit (request_id, seq) WHERE request_id IS NOT NULL;
