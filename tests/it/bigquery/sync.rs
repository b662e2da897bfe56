//! A whole project read through the Google fake into a snapshot: the project's IAM policy with
//! a condition, datasets and tables listed over several pages, access entries of every kind (a
//! group, a service account listed as a user, `specialGroup:projectReaders`, an authorized
//! view, a deleted principal), table policies, nested groups from Cloud Identity; then the
//! engine answers on it as BigQuery would. And `warden sync` from a config with a key file.

use super::fake::{FakeGoogle, TestKey};
use serde_json::{Value, json};
use std::time::Duration;
use warden::access::Access;
use warden::connectors::bigquery::auth::{Auth, ServiceAccount};
use warden::connectors::bigquery::client::Api;
use warden::connectors::bigquery::read::read;
use warden::connectors::http::Patience;
use warden::tools::{CheckAccess, CheckAccessArgs, Tool};

pub const SA: &str = "warden@p1.iam.gserviceaccount.com";

pub fn quick() -> Patience {
    Patience {
        attempts: 4,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        poll_every: Duration::from_millis(5),
        statement_timeout: Duration::from_secs(30),
    }
}

fn until_2027() -> Value {
    json!({"title": "until 2027", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"})
}

/// Project p1: five datasets (three pages of two), sales with three tables.
pub fn script_project(fake: &FakeGoogle) {
    fake.project_binding("roles/viewer", &["user:bob@acme.test"], None);
    fake.project_binding(
        "roles/bigquery.jobUser",
        &["group:analysts@acme.test"],
        None,
    );
    fake.dataset(
        "sales",
        json!([
            {"role": "READER", "groupByEmail": "analysts@acme.test"},
            {"role": "OWNER", "userByEmail": "owner@acme.test"},
            {"role": "READER", "specialGroup": "projectReaders"},
            {"role": "WRITER", "userByEmail": "etl@p1.iam.gserviceaccount.com"},
            {"role": "READER", "iamMember": "deleted:user:gone@acme.test?uid=123"},
            {"view": {"projectId": "p1", "datasetId": "shared", "tableId": "sales_summary"}},
        ]),
    );
    fake.dataset(
        "finance",
        json!([
            {"role": "READER", "userByEmail": "cfo@acme.test"},
            {"role": "READER", "userByEmail": "contractor@acme.test", "condition": until_2027()},
        ]),
    );
    for d in ["marketing", "ops", "shared"] {
        fake.dataset(
            d,
            json!([{"role": "OWNER", "specialGroup": "projectOwners"}]),
        );
    }
    fake.table("sales", "orders", "TABLE");
    fake.table("sales", "customers", "TABLE");
    fake.table("sales", "q1 revenue", "VIEW");
    fake.table("finance", "ledger", "TABLE");
    fake.table("shared", "sales_summary", "VIEW");
    fake.table_binding(
        "sales",
        "customers",
        "roles/bigquery.dataViewer",
        &["user:maya@acme.test"],
        None,
    );
    fake.table_binding(
        "finance",
        "ledger",
        "roles/bigquery.dataViewer",
        &["user:auditor@acme.test"],
        Some(until_2027()),
    );
    fake.group(
        "analysts@acme.test",
        &[("alice@acme.test", "USER"), ("data-eng@acme.test", "GROUP")],
    );
    fake.group("data-eng@acme.test", &[("dave@acme.test", "USER")]);
}

/// A `[[connections]]` entry for the fake's project p1, its key written to `key_path`, with
/// Cloud Identity at the fake too when `groups`.
pub fn connection_text(
    fake: &FakeGoogle,
    key: &TestKey,
    key_path: &std::path::Path,
    groups: bool,
) -> String {
    std::fs::write(key_path, fake.key_file(key)).unwrap();
    let mut text = format!(
        "[[connections]]\nname = \"bigquery\"\nplatform = \"bigquery\"\nproject = \"p1\"\ncredentials = {:?}\napi_url = \"{}\"\nresource_manager_url = \"{}\"\n",
        key_path.display(),
        fake.url,
        fake.url
    );
    if groups {
        text.push_str(&format!("groups_url = \"{}\"\n", fake.url));
    }
    text
}

fn check(access: &Access, identity: &str, privilege: &str, resource: &str) -> Value {
    let args: CheckAccessArgs = serde_json::from_value(json!({
        "identity": identity, "privilege": privilege, "resource": resource, "connection": "bigquery"
    }))
    .unwrap();
    serde_json::to_value(CheckAccess::run(access, args).unwrap()).unwrap()
}

#[tokio::test]
async fn a_project_is_read_into_a_snapshot_the_engine_answers_on() {
    let key = TestKey::generate();
    let fake = FakeGoogle::start("p1", SA, &key).await;
    script_project(&fake);
    fake.throttle(2);
    let account = ServiceAccount::from_json(&fake.key_file(&key)).unwrap();
    let api = Api::new(
        "p1",
        &fake.url,
        &fake.url,
        Auth::ServiceAccount(Box::new(account)),
    )
    .unwrap()
    .with_groups(Some(fake.url.clone()))
    .with_patience(quick());
    let read = read(&api, "bigquery").await.unwrap();
    let conn = read.connection;

    let resources: Vec<&str> = conn.resources.iter().map(|r| r.name.as_str()).collect();
    for r in [
        "p1",
        "p1.ops",
        "p1.shared",
        "p1.sales.orders",
        "p1.sales.q1 revenue",
        "p1.shared.sales_summary",
    ] {
        assert!(resources.contains(&r), "{r} over the pages: {resources:?}");
    }
    let kind = |n: &str| {
        conn.resources
            .iter()
            .find(|r| r.name == n)
            .unwrap()
            .kind
            .to_string()
    };
    assert_eq!(kind("p1.sales.q1 revenue"), "view");
    assert_eq!(kind("p1.finance"), "dataset");
    let identity_kind = |n: &str| {
        conn.identities
            .iter()
            .find(|i| i.name == n)
            .map(|i| i.kind.to_string())
    };
    assert_eq!(
        identity_kind("etl@p1.iam.gserviceaccount.com").as_deref(),
        Some("service_account")
    );
    assert_eq!(
        identity_kind("data-eng@acme.test").as_deref(),
        Some("group")
    );
    assert_eq!(identity_kind("gone@acme.test"), None, "a deleted principal");
    let notes = read.notes.join("\n");
    assert!(notes.contains("deleted"), "{notes}");
    assert!(
        !notes.contains("sales_summary"),
        "the view is a grantee: {notes}"
    );

    let access = Access::build(vec![conn]).unwrap();
    let yes = check(&access, "alice@acme.test", "SELECT", "p1.sales.orders");
    assert_eq!(yes["allowed"], true, "through the analysts group: {yes}");
    assert!(
        yes["paths"].to_string().contains("analysts@acme.test"),
        "{yes}"
    );
    let nested = check(&access, "dave@acme.test", "SELECT", "p1.sales.orders");
    assert_eq!(
        nested["allowed"], true,
        "data-eng is inside analysts: {nested}"
    );
    let viewer = check(&access, "bob@acme.test", "SELECT", "p1.sales.orders");
    assert_eq!(
        viewer["allowed"], true,
        "roles/viewer through projectReaders: {viewer}"
    );
    assert_eq!(
        check(&access, "bob@acme.test", "SELECT", "p1.finance.ledger")["allowed"],
        false,
        "finance has no projectReaders entry"
    );
    assert_eq!(
        check(&access, "maya@acme.test", "SELECT", "p1.sales.customers")["allowed"],
        true
    );
    assert_eq!(
        check(&access, "maya@acme.test", "SELECT", "p1.sales.orders")["allowed"],
        false,
        "a table binding is that table's only"
    );
    // The authorized view reads sales for whoever can query it: every answer on sales says so.
    let no = check(&access, "cfo@acme.test", "SELECT", "p1.sales.orders");
    assert_eq!(no["allowed"], false);
    let caveats = no["caveats"].to_string();
    assert!(
        caveats.contains("authorized_view") && caveats.contains("p1.shared.sales_summary"),
        "{no}"
    );
    let etl = check(
        &access,
        "etl@p1.iam.gserviceaccount.com",
        "INSERT",
        "p1.sales.orders",
    );
    assert_eq!(etl["allowed"], true, "{etl}");
    // Read at version 3: the conditions come with their bindings, and the answers say so.
    for who in ["auditor@acme.test", "contractor@acme.test"] {
        let c = check(&access, who, "SELECT", "p1.finance.ledger");
        assert_eq!(c["allowed"], true, "{c}");
        assert!(c["caveats"].to_string().contains("until 2027"), "{c}");
    }
}

/// `warden sync` reads a configured project with a service-account key file; with a key Google
/// does not know, the sync fails as an authentication failure and the last good snapshot stays.
/// Without Cloud Identity, the sync says that groups are leaves.
#[tokio::test]
async fn warden_sync_reads_a_configured_project_and_keeps_it_when_the_key_is_refused() {
    let key = TestKey::generate();
    let fake = FakeGoogle::start("p1", SA, &key).await;
    script_project(&fake);
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.json");
    std::fs::write(
        dir.path().join("warden.toml"),
        connection_text(&fake, &key, &key_path, false),
    )
    .unwrap();
    let run = |args: &'static [&'static str]| {
        let dir = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let (code, out, err) = crate::binary::run(&dir, args);
            assert!(
                !out.contains("PRIVATE KEY") && !err.contains("PRIVATE KEY"),
                "the key reached the output"
            );
            (code, out, err)
        })
    };
    let (code, out, err) = run(&["--json", "sync"]).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["connections"][0]["notes"]
            .to_string()
            .contains("groups are leaves"),
        "{doc}"
    );
    let checked: &[&str] = &[
        "check",
        "bob@acme.test",
        "SELECT",
        "bigquery:p1.sales.orders",
    ];
    let (code, out, _) = run(checked).await.unwrap();
    assert_eq!(code, 0, "the synced project answers yes: {out}");

    std::fs::write(&key_path, fake.key_file(&TestKey::generate())).unwrap();
    let (code, out, _) = run(&["--json", "sync"]).await.unwrap();
    assert_ne!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["connections"][0]["error"]["kind"], "authentication",
        "{doc}"
    );
    assert!(
        doc["connections"][0]["error"]["message"]
            .to_string()
            .contains("Invalid JWT Signature"),
        "Google's reason is given: {doc}"
    );
    let (code, out, _) = run(checked).await.unwrap();
    assert_eq!(code, 0, "the last good snapshot stays: {out}");
}
