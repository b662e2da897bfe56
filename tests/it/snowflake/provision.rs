//! Grants and revokes on Snowflake through the SQL API fake, opened as the job runner opens any
//! platform (`Provisioner::connect` on a configured connection): names that need quoting, a
//! table and a view, a role to a user, a grant someone else made, words refused before anything
//! is sent, and the receipt read back with SHOW GRANTS.

use super::fake::{FakeSnowflake, Script, TestKey};
use warden::config::{ConnectionConfig, Secret};
use warden::connectors::provisioner::Provisioner;
use warden::connectors::{Change, FailureKind};
use warden::model::Platform;

fn names(column: &'static str, names: &[&str]) -> Script {
    Script::Rows {
        columns: vec![column],
        partitions: vec![names.iter().map(|n| vec![Some(n.to_string())]).collect()],
    }
}

async fn account() -> (FakeSnowflake, Provisioner) {
    let key = TestKey::generate();
    let fake = FakeSnowflake::start("xy12345", "warden", &key).await;
    fake.script(
        "SHOW ROLES",
        names("name", &["ANALYST", "sales \"ops\"", "PUBLIC"]),
    );
    fake.script("SHOW USERS", names("name", &["MAYA"]));
    fake.script("SHOW WAREHOUSES", names("name", &["REPORTING_WH"]));
    fake.script(
        "SHOW VIEWS IN SCHEMA \"ANALYTICS\".\"CORE\"",
        names("name", &["REVENUE_BY_MONTH"]),
    );
    let cfg = ConnectionConfig {
        account: Some("xy12345".into()),
        user: Some("warden".into()),
        private_key: Some(Secret::new(key.pem.clone())),
        api_url: Some(fake.url.clone()),
        ..ConnectionConfig::new("snowflake", Platform::Snowflake)
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

#[tokio::test]
async fn a_privilege_is_granted_and_revoked_with_names_quoted_and_the_receipt_read_back() {
    let (fake, mut p) = account().await;
    let select = on("select", &["ANALYTICS", "CORE", "REVENUE"], "sales \"ops\"");
    assert!(!p.holds(&select).await.unwrap());
    let applied = p.grant(&select).await.unwrap();
    assert_eq!(
        applied.statement,
        "GRANT SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"REVENUE\" TO ROLE \"sales \"\"ops\"\"\""
    );
    assert!(!applied.pre_existing && applied.holds_after);
    assert!(p.holds(&select).await.unwrap());
    let applied = p.revoke(&select).await.unwrap();
    assert_eq!(
        applied.statement,
        "REVOKE SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"REVENUE\" FROM ROLE \"sales \"\"ops\"\"\""
    );
    assert!(applied.pre_existing && !applied.holds_after);
    assert_eq!(fake.changes().len(), 2, "{:?}", fake.changes());

    // A view is granted on as a view; a warehouse as a warehouse; a role to a user.
    let view = p
        .grant(&on(
            "SELECT",
            &["ANALYTICS", "CORE", "REVENUE_BY_MONTH"],
            "ANALYST",
        ))
        .await
        .unwrap();
    assert!(
        view.statement.starts_with("GRANT SELECT ON VIEW "),
        "{}",
        view.statement
    );
    let wh = p
        .grant(&on("USAGE", &["REPORTING_WH"], "ANALYST"))
        .await
        .unwrap();
    assert_eq!(
        wh.statement,
        "GRANT USAGE ON WAREHOUSE \"REPORTING_WH\" TO ROLE \"ANALYST\""
    );
    let member = Change::Membership {
        role: "ANALYST".into(),
        member: "MAYA".into(),
    };
    let applied = p.grant(&member).await.unwrap();
    assert_eq!(applied.statement, "GRANT ROLE \"ANALYST\" TO USER \"MAYA\"");
    assert!(applied.holds_after);
}

/// Database roles (`DB.ROLE`): a privilege granted to one, and one granted to an account role,
/// each read back with SHOW GRANTS and revoked.
#[tokio::test]
async fn a_database_role_receives_a_privilege_and_is_granted_to_a_role() {
    let (fake, mut p) = account().await;
    fake.script(
        "SHOW DATABASE ROLES IN DATABASE \"ANALYTICS\"",
        names("name", &["READER", "ops.team"]),
    );
    let select = on(
        "SELECT",
        &["ANALYTICS", "CORE", "REVENUE"],
        "ANALYTICS.READER",
    );
    let applied = p.grant(&select).await.unwrap();
    assert_eq!(
        applied.statement,
        "GRANT SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"REVENUE\" TO DATABASE ROLE \"ANALYTICS\".\"READER\""
    );
    assert!(!applied.pre_existing && applied.holds_after, "{applied:?}");
    let member = Change::Membership {
        role: "ANALYTICS.ops.team".into(),
        member: "ANALYST".into(),
    };
    let applied = p.grant(&member).await.unwrap();
    assert_eq!(
        applied.statement, "GRANT DATABASE ROLE \"ANALYTICS\".\"ops.team\" TO ROLE \"ANALYST\"",
        "a role name holding a dot is found"
    );
    assert!(applied.holds_after);
    assert!(!p.revoke(&member).await.unwrap().holds_after);
    assert!(!p.revoke(&select).await.unwrap().holds_after);
    let e = p
        .grant(&Change::Membership {
            role: "ANALYTICS.NOPE".into(),
            member: "ANALYST".into(),
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("no role or database role"), "{e}");
    assert_eq!(fake.changes().len(), 4, "{:?}", fake.changes());
}

#[tokio::test]
async fn a_grant_made_by_someone_else_is_reported_and_bad_words_send_nothing() {
    let (fake, mut p) = account().await;
    fake.seed_grant(
        "SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"ORDERS\"",
        "USER",
        "MAYA",
    );
    let applied = p
        .grant(&on("SELECT", &["ANALYTICS", "CORE", "ORDERS"], "MAYA"))
        .await
        .unwrap();
    assert!(applied.pre_existing, "the grant was already there");
    assert!(
        applied.statement.ends_with("TO USER \"MAYA\""),
        "{}",
        applied.statement
    );

    for (change, says) in [
        (
            on("CONNECT", &["ANALYTICS", "CORE", "ORDERS"], "ANALYST"),
            "CONNECT",
        ),
        (
            on("OWNERSHIP", &["ANALYTICS", "CORE", "ORDERS"], "ANALYST"),
            "OWNERSHIP",
        ),
        (
            on("SELECT", &["ANALYTICS", "CORE", "ORDERS"], "NOBODY"),
            "NOBODY",
        ),
    ] {
        let e = p.grant(&change).await.unwrap_err();
        assert_eq!(e.kind, FailureKind::Config, "{e}");
        assert!(e.message.contains(says), "{e}");
    }
    assert_eq!(
        fake.changes().len(),
        1,
        "only the first grant was sent: {:?}",
        fake.changes()
    );
}

/// An approved request on a Snowflake connection is granted by the job runner and revoked at
/// its expiry, as on PostgreSQL: the GRANT and REVOKE reach the SQL API, and the receipt says
/// what holds.
#[tokio::test]
async fn an_approved_request_is_granted_by_the_job_runner_and_revoked_at_expiry() {
    use warden::requests::Status;
    let key = TestKey::generate();
    let fake = FakeSnowflake::start("xy12345", "warden", &key).await;
    super::sync::script_account(&fake);
    fake.script(
        "SHOW VIEWS IN SCHEMA \"ANALYTICS\".\"CORE\"",
        names("name", &["REVENUE_BY_MONTH"]),
    );
    let text = format!(
        "[[connections]]\nname = \"snowflake\"\nplatform = \"snowflake\"\naccount = \"xy12345\"\nuser = \"warden\"\nprivate_key = '''\n{}'''\napi_url = \"{}\"\n",
        key.pem, fake.url
    );
    let done = crate::common::provisioned(
        &text,
        "maya@acme.test",
        "snowflake:ANALYTICS.CORE.REVENUE",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        done.request.grantees[0].identity, "MAYA",
        "the requester's linked identity"
    );
    assert_eq!(done.request.changes[0].pre_existing, Some(false));
    assert_eq!(
        fake.changes(),
        ["GRANT SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"REVENUE\" TO USER \"MAYA\""]
    );
    // Drift: the next sync reads the grant to the user back, so nothing is missing.
    let synced = warden::sync::sync(&done.app, None).await.unwrap();
    assert_eq!(synced[0].drift.unwrap().found, 0, "{synced:?}");

    assert_eq!(done.expire().await.status(), Status::Closed);
    assert_eq!(
        fake.changes().last().unwrap(),
        "REVOKE SELECT ON TABLE \"ANALYTICS\".\"CORE\".\"REVENUE\" FROM USER \"MAYA\""
    );
}
