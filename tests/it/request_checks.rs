//! What a request or a question may name, over the real server on the demo (issue 10): only
//! privileges the platform knows on that kind of resource (400 with the word meant); only
//! connections where the requester has an identity (422, an admin links one by hand, and the
//! link survives re-imports); a grantee shared with an approver is refused and who newly gains
//! the access is shown; several approvals are for one grantee; a request's size is capped.

use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;

async fn tool(s: &TestServer, name: &str, args: Value) -> (u16, Value) {
    s.post(&format!("/v1/tools/{name}"), &args.to_string())
        .await
}

fn error(doc: &Value) -> (&str, &str) {
    (
        doc["error"]["code"].as_str().unwrap_or(""),
        doc["error"]["path"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn unknown_privileges_are_refused_with_the_word_meant() {
    let s = TestServer::start().await;
    // A typo is a 400 with the word meant, for an ordinary user and for a superuser alike
    // (it used to be a confident "no", and a "yes" for the superuser).
    for who in ["alice", "root"] {
        let args = json!({"identity": who, "privilege": "SELEKT", "resource": "prod.crm.leads"});
        let (status, e) = tool(&s, "check_access", args).await;
        assert_eq!(
            (status, error(&e)),
            (400, ("invalid_argument", "privilege")),
            "{e}"
        );
        assert_eq!(e["error"]["candidates"][0]["name"], "SELECT", "{e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("did you mean SELECT?")
        );
    }
    // A word of another kind of resource, named where it applies.
    let args = json!({"identity": "alice", "privilege": "USAGE", "resource": "prod.crm.leads"});
    let (status, e) = tool(&s, "check_access", args).await;
    assert_eq!(status, 400, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("schema"),
        "{e}"
    );
    // who_has_access checks its optional privilege the same way.
    let args = json!({"resource": "prod.crm.leads", "privilege": "SELEKT"});
    let (status, e) = tool(&s, "who_has_access", args).await;
    assert_eq!(
        (status, error(&e)),
        (400, ("invalid_argument", "privilege")),
        "{e}"
    );
    // Known words still answer.
    let args = json!({"identity": "alice", "privilege": "select", "resource": "prod.crm.leads"});
    assert_eq!(tool(&s, "check_access", args).await.0, 200);
    let args = json!({"identity": "alice@acme.test", "privilege": "roles/bigquery.dataViewer", "resource": "acme-prod.marketing"});
    assert_eq!(
        tool(&s, "check_access", args).await.0,
        200,
        "BigQuery roles are words too"
    );

    // At request creation: the field path names the privilege.
    let alice = s.token_for("alice", Role::Requester, None).await;
    for (privileges, path) in [
        (json!(["SELEKT"]), "privileges[0]"),
        (json!(["SELECT", "USAGE"]), "privileges[1]"),
    ] {
        let body = json!({"resources": ["crm.leads"], "privileges": privileges});
        let (status, e) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
        assert_eq!(
            (status, error(&e)),
            (400, ("invalid_argument", path)),
            "{e}"
        );
    }
    // At approval: a narrowing to an unknown word is the same 400.
    let body = json!({"resources": ["crm.leads"], "privileges": ["SELECT"]});
    let (status, r) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    let approve = format!("/v1/requests/{}/approve", r["id"].as_str().unwrap());
    let (status, e) = s.post(&approve, r#"{"privileges": ["SELEKT"]}"#).await;
    assert_eq!(
        (status, error(&e)),
        (400, ("invalid_argument", "privileges[0]")),
        "{e}"
    );
    let body = json!({"resources": ["bigquery:acme-prod.marketing"], "privileges": ["READER"]});
    let (status, r) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "legacy BigQuery words are valid: {r}");
}

#[tokio::test]
async fn a_request_needs_an_identity_on_its_connection_and_an_admin_can_link_one() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let body = json!({"resources": ["warehouse:prod.crm.leads", "bigquery:acme-prod.marketing"], "privileges": ["SELECT"]}).to_string();
    let (status, e) = s.post_as(&maya, "/v1/requests", &body).await;
    assert_eq!(
        (status, error(&e)),
        (422, ("unprocessable", "resources[1]")),
        "{e}"
    );
    let message = e["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no identity on bigquery") && message.contains("link"),
        "{message}"
    );

    // Only admins link.
    let link = json!({"connection": "bigquery", "identity": "oscar@acme.test"}).to_string();
    let (status, e) = s.post_as(&carol, "/v1/people/maya/links", &link).await;
    assert_eq!((status, error(&e).0), (403, "forbidden"), "{e}");
    let (status, e) = s
        .post(
            "/v1/people/maya/links",
            &json!({"connection": "bigquery", "identity": "nobody@x"}).to_string(),
        )
        .await;
    assert_eq!((status, error(&e)), (404, ("not_found", "identity")), "{e}");
    let (status, r) = s.post("/v1/people/maya/links", &link).await;
    assert_eq!(status, 200, "{r}");
    assert!(
        r["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["identity"] == "oscar@acme.test" && l["source"] == "manual"),
        "{r}"
    );
    let (status, r) = s.post_as(&maya, "/v1/requests", &body).await;
    assert_eq!(status, 201, "linked by hand, maya can ask: {r}");

    // The link survives a re-import; so does an unlink of an automatic link.
    s.app
        .import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    let (status, r) = s.post_as(&maya, "/v1/requests", &body).await;
    assert_eq!(status, 201, "after a re-import: {r}");
    let unlink = |path: &'static str| {
        let s = &s;
        async move {
            s.client
                .delete(format!("{}{path}", s.base))
                .bearer_auth(&s.token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(unlink("/v1/people/maya/links/warehouse/maya").await, 200);
    s.app
        .import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    let (status, e) = s.post_as(&maya, "/v1/requests", &body).await;
    assert_eq!(
        (status, error(&e)),
        (422, ("unprocessable", "resources[0]")),
        "{e}"
    );

    // The CLI does the same, as the local operator.
    let dir = s.dir.path();
    let (code, out, err) = crate::binary::run(dir, &["user", "link", "maya", "warehouse", "maya"]);
    assert_eq!(code, 0, "{out} {err}");
    assert!(out.contains("warehouse:maya"), "{out}");
    let (status, r) = s.post_as(&maya, "/v1/requests", &body).await;
    assert_eq!(status, 201, "linked again from the CLI: {r}");
    let (code, _, err) = crate::binary::run(dir, &["user", "unlink", "maya", "warehouse", "maya"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = crate::binary::run(dir, &["user", "link", "nobody", "warehouse", "maya"]);
    assert_ne!(code, 0);
    assert!(err.contains("nobody"), "{err}");
}

#[tokio::test]
async fn a_shared_grantee_is_refused_when_an_approver_would_gain_and_shown_otherwise() {
    let s =
        TestServer::start_with_config("[[approval_rules]]\nresources = \"crm.*\"\napprovals = 2\n")
            .await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let priya = s.token_for("priya", Role::Reviewer, None).await;
    let victor = s.token_for("victor", Role::Admin, None).await;
    let ask = || async {
        let body = json!({"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "1d"});
        let (status, r) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
        assert_eq!(status, 201, "{r}");
        format!("/v1/requests/{}/approve", r["id"].as_str().unwrap())
    };
    let to = |grantee: &str| json!({"grantee": {"warehouse": grantee}}).to_string();

    // victor is in data_eng: granting it to data_eng would give him the access he approves.
    let approve = ask().await;
    let (status, e) = s.post_as(&victor, &approve, &to("data_eng")).await;
    assert_eq!(
        (status, error(&e)),
        (422, ("unprocessable", "grantee.warehouse")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("victor"),
        "{e}"
    );

    // carol is not: the approval shows everyone who newly gains it through data_eng.
    let (status, r) = s.post_as(&carol, &approve, &to("data_eng")).await;
    assert_eq!(status, 200, "{r}");
    let gains: Vec<&str> = r["newly_gains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["identity"].as_str().unwrap())
        .collect();
    for who in ["alice", "ivan", "victor", "data_eng"] {
        assert!(gains.contains(&who), "{who} in {gains:?}");
    }
    // A second approval naming no grantee is for the same one.
    let (status, r) = s.post_as(&priya, &approve, "{}").await;
    assert_eq!(
        (status, r["status"].as_str()),
        (200, Some("approved")),
        "{r}"
    );
    assert_eq!(r["grantees"][0]["identity"], "data_eng");

    // A second approval for another grantee resets the first.
    let approve = ask().await;
    let (status, _) = s.post_as(&carol, &approve, &to("data_eng")).await;
    assert_eq!(status, 200);
    let (status, r) = s.post_as(&priya, &approve, &to("alice")).await;
    assert_eq!((status, r["status"].as_str()), (200, Some("open")), "{r}");
    let approvers: Vec<&str> = r["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reviewer"].as_str().unwrap())
        .collect();
    assert_eq!(approvers, ["priya"], "carol's approval was for data_eng");
    assert_eq!(
        r["newly_gains"],
        json!([{"connection": "warehouse", "identity": "alice"}])
    );
    let (status, r) = s.post_as(&carol, &approve, "{}").await;
    assert_eq!(
        (status, r["status"].as_str()),
        (200, Some("approved")),
        "{r}"
    );
    assert_eq!(r["grantees"][0]["identity"], "alice");
}

#[tokio::test]
async fn what_one_request_may_store_is_capped() {
    let s = TestServer::start().await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    let long = "x".repeat(513);
    let many = |n: usize, word: &str| vec![word.to_string(); n];
    let cases = [
        (
            json!({"resources": many(51, "crm.leads"), "privileges": ["SELECT"]}),
            "resources",
        ),
        (
            json!({"resources": ["crm.leads"], "privileges": many(21, "SELECT")}),
            "privileges",
        ),
        (json!({"roles": many(21, "crm_read")}), "roles"),
        (
            json!({"resources": [long], "privileges": ["SELECT"]}),
            "resources[0]",
        ),
        (
            json!({"resources": ["crm.leads"], "privileges": ["SELECT", long]}),
            "privileges[1]",
        ),
        (
            json!({"resources": ["crm.leads"], "privileges": ["SELECT"], "reason": "r".repeat(2001)}),
            "reason",
        ),
    ];
    for (body, path) in cases {
        let (status, e) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
        assert_eq!(
            (status, error(&e)),
            (400, ("invalid_argument", path)),
            "{e}"
        );
    }
    // At the limits, fine.
    let body =
        json!({"resources": ["crm.leads"], "privileges": ["SELECT"], "reason": "é".repeat(2000)});
    let (status, e) = s.post_as(&alice, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{e}");
}
