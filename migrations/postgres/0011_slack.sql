-- Slack (issue 13). Written in SQL that SQLite and PostgreSQL both accept, identical in both
-- migration folders.

-- A Slack call is a job like any other; what it sends is its payload (JSON). Other jobs have none.
ALTER TABLE jobs ADD COLUMN payload TEXT;

-- How far the Slack notifier has read the audit log: one row, written in the transaction that
-- queues the Slack jobs of the events up to `seq`, so each event is queued exactly once however
-- many servers share the store. Absent until Slack is first configured; it then starts at the
-- log's end, so turning Slack on does not post the past.
CREATE TABLE slack_cursor (
    id  BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- Each request's message in the reviewers' channel: written when its posting is queued, `ts`
-- (Slack's id of the message) once it is posted. A reaction names the message by channel and ts.
CREATE TABLE slack_messages (
    request_id TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    ts         TEXT
);
CREATE INDEX slack_messages_by_ts ON slack_messages (channel, ts);

-- Events and interactions already taken, by Slack's id (`event_id`, or the action's own): Slack
-- retries what it thinks was not received, and a replay must change nothing.
CREATE TABLE slack_seen (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
