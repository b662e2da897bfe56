//! The audit list's query as SQLite's planner sees it, on the schema the migrations make: a
//! request's events are found through its index, not by reading the whole log.

use super::portable::sqlite::audit::list_sql;
use crate::model::audit::AuditFilter;
use rusqlite::Connection;

/// An empty database with every SQLite migration applied, in order.
fn migrated() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        conn.execute_batch(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    conn
}

/// SQLite's plan for `sql`, one line a step (its parameters bound to nothing: the plan is
/// made when it is prepared).
fn plan(conn: &Connection, sql: &str) -> String {
    let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let unbound = vec![rusqlite::types::Null; explain.parameter_count()];
    let steps = explain
        .query_map(rusqlite::params_from_iter(unbound), |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    steps.join("\n")
}

#[test]
fn a_requests_events_are_listed_through_its_index() {
    let conn = migrated();
    for newest_first in [false, true] {
        let request = AuditFilter {
            request_id: Some("req_1".into()),
            newest_first,
            limit: 50,
            ..AuditFilter::default()
        };
        let steps = plan(&conn, &list_sql(&request));
        assert!(steps.contains("INDEX audit_by_request"), "{steps}");
        // Every event, or every event of a kind: read in order of the log, no index to keep.
        let every = AuditFilter {
            newest_first,
            ..AuditFilter::every("agent_tool_call")
        };
        let steps = plan(&conn, &list_sql(&every));
        assert!(!steps.contains("audit_by_request"), "{steps}");
    }
}
