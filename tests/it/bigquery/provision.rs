//! Grants and revokes on BigQuery through the Google fake, opened as the job runner opens any
//! platform (`Provisioner::connect` on a configured connection): a table role next to a
//! conditional binding, a dataset role next to an authorized view and a conditional entry,
//! another writer changing the resource in between (409 and 412, read again and retried), a
//! grant someone else made, words refused before anything is sent; and a request approved,
//! granted by the job runner and revoked at expiry.

use super::fake::{FakeGoogle, TestKey};
use super::sync::{SA, connection_text, script_project};
use serde_json::{Value, json};
use warden::config::{ConnectionConfig, Secret};
use warden::connectors::provisioner::Provisioner;
use warden::connectors::{Change, FailureKind};
use warden::model::Platform;

async fn project() -> (FakeGoogle, Provisioner) {
    let key = TestKey::generate();
    let fake = FakeGoogle::start("p1", SA, &key).await;
    script_project(&fake);
    fake.accept_token("ya29.static");
    let cfg = ConnectionConfig {
        project: Some("p1".into()),
        token: Some(Secret::new("ya29.static")),
        api_url: Some(fake.url.clone()),
        resource_manager_url: Some(fake.url.clone()),
        ..ConnectionConfig::new("bigquery", Platform::Bigquery)
    };
    let p = Provisioner::connect(&cfg).await.unwrap();
    (fake, p)
}

fn on(privilege: &str, resource: &[&str], grantee: &str) -> Change {
    Change::Privilege {
        privilege: privilege.into(),
        resource: resource.iter().map(|s| s.to_string()).collect(),
        grantee: grantee.into(),
    }
}

fn members_of(policy: &Value, role: &str, conditional: bool) -> Vec<String> {
    policy["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["role"] == role && b.get("condition").is_some() == conditional)
        .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_table_role_is_granted_and_revoked_beside_a_conditional_binding() {
    let (fake, mut p) = project().await;
    let change = on(
        "SELECT",
        &["p1", "finance", "ledger"],
        "user:maya@acme.test",
    );
    let granted = p.grant(&change).await.unwrap();
    assert!(!granted.pre_existing && granted.holds_after, "{granted:?}");
    let policy = fake.table_policy("finance", "ledger");
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataViewer", false),
        ["user:maya@acme.test"]
    );
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataViewer", true),
        ["user:auditor@acme.test"],
        "the conditional binding is kept: {policy}"
    );
    assert_eq!(policy["version"], 3, "written at version 3");
    assert!(p.holds(&change).await.unwrap());

    let revoked = p.revoke(&change).await.unwrap();
    assert!(revoked.pre_existing && !revoked.holds_after, "{revoked:?}");
    let policy = fake.table_policy("finance", "ledger");
    assert!(members_of(&policy, "roles/bigquery.dataViewer", false).is_empty());
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataViewer", true),
        ["user:auditor@acme.test"],
        "{policy}"
    );
    assert_eq!(fake.writes().len(), 2, "{:?}", fake.writes());
}

#[tokio::test]
async fn a_dataset_role_keeps_the_authorized_view_and_the_conditional_entry() {
    let (fake, mut p) = project().await;
    let before = fake.dataset_access("sales");
    let change = on("SELECT", &["p1", "sales"], "group:marketing@acme.test");
    let granted = p.grant(&change).await.unwrap();
    assert!(!granted.pre_existing && granted.holds_after);
    let after = fake.dataset_access("sales");
    assert_eq!(after.len(), before.len() + 1);
    assert!(
        after
            .iter()
            .any(|e| e["view"]["tableId"] == "sales_summary")
    );
    assert!(after.contains(
        &json!({"role": "roles/bigquery.dataViewer", "groupByEmail": "marketing@acme.test"})
    ));
    p.revoke(&change).await.unwrap();
    assert_eq!(
        fake.dataset_access("sales"),
        before,
        "everything else as it was"
    );

    // finance has a conditional READER entry for the contractor: an unconditional grant to the
    // same person is added beside it, and its revoke leaves the conditional one.
    let contractor = on("READER", &["p1", "finance"], "contractor@acme.test");
    assert!(
        !p.holds(&contractor).await.unwrap(),
        "a condition is not a grant"
    );
    p.grant(&contractor).await.unwrap();
    p.revoke(&contractor).await.unwrap();
    let finance = fake.dataset_access("finance");
    assert!(
        finance
            .iter()
            .any(|e| e["userByEmail"] == "contractor@acme.test" && e["condition"].is_object()),
        "{finance:?}"
    );
}

#[tokio::test]
async fn a_change_made_meanwhile_is_read_again_and_kept() {
    let (fake, mut p) = project().await;
    // Each write finds someone else's change first: the etag is stale, 412 on the dataset and
    // 409 on the table; Warden reads again and writes again, keeping the other change.
    fake.interfere(2);
    let dataset = on("WRITER", &["p1", "ops"], "etl@p1.iam.gserviceaccount.com");
    let applied = p.grant(&dataset).await.unwrap();
    assert!(applied.holds_after);
    let ops = fake.dataset_access("ops");
    assert!(
        ops.iter()
            .any(|e| e["userByEmail"] == "someone-else@acme.test"),
        "{ops:?}"
    );
    assert!(
        ops.iter()
            .any(|e| e["userByEmail"] == "etl@p1.iam.gserviceaccount.com")
    );

    fake.interfere(1);
    let table = on(
        "UPDATE",
        &["p1", "sales", "orders"],
        "serviceAccount:etl@p1.iam.gserviceaccount.com",
    );
    assert!(p.grant(&table).await.unwrap().holds_after);
    let policy = fake.table_policy("sales", "orders");
    assert_eq!(
        members_of(&policy, "roles/bigquery.metadataViewer", false),
        ["user:someone-else@acme.test"]
    );
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataEditor", false),
        ["serviceAccount:etl@p1.iam.gserviceaccount.com"]
    );

    // A resource that never stops changing is a clear error, not a loop.
    fake.interfere(100);
    let e = p
        .grant(&on("SELECT", &["p1", "marketing"], "user:zoe@acme.test"))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("changed under every one of"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn a_grant_made_by_someone_else_is_reported_and_bad_words_send_nothing() {
    let (fake, mut p) = project().await;
    let maya = on(
        "SELECT",
        &["p1", "sales", "customers"],
        "user:maya@acme.test",
    );
    let applied = p.grant(&maya).await.unwrap();
    assert!(applied.pre_existing && applied.holds_after);
    assert!(fake.writes().is_empty(), "nothing to write");
    for (change, says) in [
        (
            on("USAGE", &["p1", "sales"], "user:maya@acme.test"),
            "USAGE",
        ),
        (
            on("SELECT", &["p2", "sales"], "user:maya@acme.test"),
            "not in project p1",
        ),
        (
            on("SELECT", &["p1", "sales"], "allUsers"),
            "not to allUsers",
        ),
        (
            Change::Membership {
                role: "analysts@acme.test".into(),
                member: "maya@acme.test".into(),
            },
            "Google Groups",
        ),
    ] {
        let e = p.grant(&change).await.unwrap_err();
        assert_eq!(e.kind, FailureKind::Config, "{change:?}");
        assert!(e.message.contains(says), "{}", e.message);
    }
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}

#[tokio::test]
async fn an_approved_request_is_granted_by_the_job_runner_and_revoked_at_expiry() {
    use warden::requests::Status;
    let key = TestKey::generate();
    let fake = FakeGoogle::start("p1", SA, &key).await;
    script_project(&fake);
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.json");
    let text = connection_text(&fake, &key, &key_path, true);
    // The reviewer grants it to dave's group (data-eng, from Cloud Identity), not to dave.
    let done = crate::common::provisioned(
        &text,
        "dave@acme.test",
        "bigquery:p1.finance.ledger",
        json!({"grantee": {"bigquery": "data-eng@acme.test"}}),
    )
    .await;
    assert_eq!(done.request.changes[0].pre_existing, Some(false));
    let policy = fake.table_policy("finance", "ledger");
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataViewer", false),
        ["group:data-eng@acme.test"],
        "granted to the group as a group: {policy}"
    );
    // Drift: the grant as the next sync reads it is Warden's; taken away behind Warden's back,
    // it is missing.
    let synced = warden::sync::sync(&done.app, None).await.unwrap();
    assert_eq!(synced[0].drift.unwrap().found, 0, "{synced:?}");
    fake.remove_table_member("finance", "ledger", "group:data-eng@acme.test");
    let synced = warden::sync::sync(&done.app, None).await.unwrap();
    assert_eq!(synced[0].drift.unwrap().found, 1, "{synced:?}");
    fake.table_binding(
        "finance",
        "ledger",
        "roles/bigquery.dataViewer",
        &["group:data-eng@acme.test"],
        None,
    );
    let synced = warden::sync::sync(&done.app, None).await.unwrap();
    assert_eq!(synced[0].drift.unwrap().resolved, 1, "put back: {synced:?}");

    assert_eq!(done.expire().await.status(), Status::Closed);
    let policy = fake.table_policy("finance", "ledger");
    assert!(members_of(&policy, "roles/bigquery.dataViewer", false).is_empty());
    assert_eq!(
        members_of(&policy, "roles/bigquery.dataViewer", true),
        ["user:auditor@acme.test"],
        "the conditional binding outlives the request"
    );
}

/// The project's own policy (Resource Manager) and a view whose name needs encoding in a URL:
/// granted, read back and revoked like a table's.
#[tokio::test]
async fn a_project_role_and_a_view_with_a_space_in_its_name_are_granted_and_revoked() {
    let (fake, mut p) = project().await;
    for change in [
        on(
            "roles/bigquery.dataViewer",
            &["p1"],
            "group:analysts@acme.test",
        ),
        on(
            "SELECT",
            &["p1", "sales", "q1 revenue"],
            "user:maya@acme.test",
        ),
    ] {
        let granted = p.grant(&change).await.unwrap();
        assert!(!granted.pre_existing && granted.holds_after, "{granted:?}");
        let revoked = p.revoke(&change).await.unwrap();
        assert!(revoked.pre_existing && !revoked.holds_after, "{revoked:?}");
    }
    let writes = fake.writes();
    assert_eq!(writes.len(), 4, "{writes:?}");
    assert!(writes[0].starts_with("setIamPolicy project"), "{writes:?}");
    assert!(
        writes[2].starts_with("setIamPolicy table sales.q1 revenue"),
        "{writes:?}"
    );
    assert!(
        !fake.writes()[3].contains("maya"),
        "the revoke wrote the policy without her: {writes:?}"
    );
}
