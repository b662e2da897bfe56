-- How far each audit journal (store/audit_journal.rs: a server's agent calls and chat
-- conversations, written to a file before they are answered) has been folded into the audit
-- chain: written in the same transaction as the rows it covers, so that a journal found after
-- a crash is folded from the next record on, never twice.
CREATE TABLE audit_journal (
    name TEXT PRIMARY KEY,
    folded INTEGER NOT NULL
) WITHOUT ROWID;
