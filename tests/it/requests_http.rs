//! `/v1/requests…` over real HTTP: create, read, list with paging, approve (narrowed, with a
//! chosen grantee), deny, delete, revoke, extend, and the errors: 400 naming the field or
//! parameter, 403 for one's own request, 409 naming the state, 422 for widening. The demo's
//! connections are imported from files, so an approved request waits for an admin (`manual`).

use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;

struct People {
    alice: String,
    carol: String,
    priya: String,
    victor: String,
}

async fn people(s: &TestServer) -> People {
    People {
        alice: s.token_for("alice", Role::Requester, None).await,
        carol: s.token_for("carol", Role::Reviewer, None).await,
        priya: s.token_for("priya", Role::Reviewer, None).await,
        victor: s.token_for("victor", Role::Admin, None).await,
    }
}

async fn delete(s: &TestServer, token: &str, path: &str) -> u16 {
    s.client
        .delete(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, r) = s.post_as(token, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    r
}

fn leads(duration: &str) -> Value {
    json!({"resources": ["crm.leads"], "privileges": ["select", "insert"], "duration": duration, "reason": "pipeline review"})
}

#[tokio::test]
async fn a_request_through_its_states() {
    let s = TestServer::start().await;
    let p = people(&s).await;
    let r = create(&s, &p.alice, leads("2w")).await;
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["status"], "open");
    assert_eq!(r["requester"], "alice");
    assert_eq!(r["resources"][0]["name"], "prod.crm.leads", "resolved");
    assert_eq!(r["privileges"], json!(["SELECT", "INSERT"]));
    assert_eq!(
        r["expires_at"],
        Value::Null,
        "the clock starts at activation"
    );
    assert_eq!(r["drafted_by"]["kind"], "person");

    // Read back, with its history.
    let (status, got) = s.get_as(&p.alice, &format!("/v1/requests/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["history"][0]["kind"], "created");

    // The requester cannot approve; a reviewer narrows it and picks alice's role.
    let approve = format!("/v1/requests/{id}/approve");
    let (status, e) = s.post_as(&p.alice, &approve, "{}").await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let narrowed =
        json!({"privileges": ["SELECT"], "duration": "1w", "grantee": {"warehouse": "alice"}});
    let (status, r) = s.post_as(&p.carol, &approve, &narrowed.to_string()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "approved");
    assert_eq!(r["privileges"], json!(["SELECT"]));
    assert_eq!(r["duration"], "1w");
    assert_eq!(
        r["manual"], true,
        "a file-imported connection is provisioned by hand"
    );

    // Approved: approving or denying again is a 409 that names the state.
    for action in ["approve", "deny"] {
        let (status, e) = s
            .post_as(&p.priya, &format!("/v1/requests/{id}/{action}"), "")
            .await;
        assert_eq!(status, 409, "{action}: {e}");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains("an approved request can only be"), "{e}");
    }
    // Only an admin marks it provisioned; then it is active with an expiry.
    let provisioned = format!("/v1/requests/{id}/provisioned");
    assert_eq!(s.post_as(&p.carol, &provisioned, "").await.0, 403);
    let (status, r) = s.post_as(&p.victor, &provisioned, "").await;
    assert_eq!((status, r["status"].as_str()), (200, Some("active")), "{r}");
    assert!(r["expires_at"].is_string());

    // Extend: by the requester only, a new linked request (201).
    let extend = format!("/v1/requests/{id}/extend");
    assert_eq!(
        s.post_as(&p.carol, &extend, r#"{"duration": "1d"}"#)
            .await
            .0,
        403
    );
    let (status, e) = s.post_as(&p.alice, &extend, "{}").await;
    assert_eq!(
        (status, e["error"]["path"].as_str()),
        (400, Some("duration")),
        "{e}"
    );
    let (status, ext) = s
        .post_as(&p.alice, &extend, r#"{"duration": "1d", "reason": "more"}"#)
        .await;
    assert_eq!(status, 201, "{ext}");
    assert_eq!(
        (ext["extends"].as_str(), ext["status"].as_str()),
        (Some(id.as_str()), Some("open"))
    );

    // Revoke: a reviewer; a manual one closes at once (an admin removes it by hand).
    let (status, r) = s
        .post_as(
            &p.priya,
            &format!("/v1/requests/{id}/revoke"),
            r#"{"reason": "done"}"#,
        )
        .await;
    assert_eq!((status, r["status"].as_str()), (200, Some("closed")), "{r}");
    let (status, e) = s
        .post_as(&p.priya, &format!("/v1/requests/{id}/revoke"), "")
        .await;
    assert_eq!(status, 409, "closed takes no action: {e}");
    assert_eq!(
        delete(&s, &p.alice, &format!("/v1/requests/{id}")).await,
        409
    );
}

#[tokio::test]
async fn deny_delete_and_what_cannot_be_done() {
    let s = TestServer::start().await;
    let p = people(&s).await;
    // Nobody approves their own request, reviewers included.
    let mine = create(&s, &p.carol, leads("8h")).await;
    let (status, e) = s
        .post_as(
            &p.carol,
            &format!("/v1/requests/{}/approve", mine["id"].as_str().unwrap()),
            "",
        )
        .await;
    assert_eq!(status, 403, "{e}");

    let id = create(&s, &p.alice, leads("8h")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Widening is refused with 422 naming the field.
    for (body, path) in [
        (json!({"duration": "1d"}), "duration"),
        (json!({"privileges": ["DELETE"]}), "privileges[0]"),
        (
            json!({"grantee": {"warehouse": "bob"}}),
            "grantee.warehouse",
        ),
        (json!({"grantee": {"nowhere": "alice"}}), "grantee.nowhere"),
    ] {
        let (status, e) = s
            .post_as(
                &p.carol,
                &format!("/v1/requests/{id}/approve"),
                &body.to_string(),
            )
            .await;
        assert_eq!(
            (status, e["error"]["path"].as_str()),
            (422, Some(path)),
            "{body}: {e}"
        );
    }
    // A bad body is a 400 naming the JSON path, and changes nothing.
    let (status, e) = s
        .post_as(
            &p.carol,
            &format!("/v1/requests/{id}/approve"),
            r#"{"privileges": "SELECT"}"#,
        )
        .await;
    assert_eq!(
        (status, e["error"]["path"].as_str()),
        (400, Some("privileges")),
        "{e}"
    );
    let (_, r) = s.get_as(&p.alice, &format!("/v1/requests/{id}")).await;
    assert_eq!(
        (
            r["status"].as_str(),
            r["approvals"].as_array().map(Vec::len)
        ),
        (Some("open"), Some(0))
    );

    let (status, r) = s
        .post_as(
            &p.carol,
            &format!("/v1/requests/{id}/deny"),
            r#"{"reason": "no"}"#,
        )
        .await;
    assert_eq!((status, r["status"].as_str()), (200, Some("denied")));
    assert_eq!(
        s.post_as(&p.priya, &format!("/v1/requests/{id}/approve"), "")
            .await
            .0,
        409
    );

    // Delete: the requester's own open request; kept, out of default listings.
    let id = create(&s, &p.alice, leads("8h")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        delete(&s, &p.alice, &format!("/v1/requests/{id}")).await,
        204
    );
    let (_, list) = s.get_as(&p.alice, "/v1/requests").await;
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str())
    );
    let (_, list) = s.get_as(&p.alice, "/v1/requests?status=deleted").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str())
    );
    assert_eq!(delete(&s, &p.alice, "/v1/requests/req_nope").await, 404);
    let (status, e) = s.get_as(&p.alice, "/v1/requests/%FF").await;
    assert_eq!(
        (status, e["error"]["path"].as_str()),
        (400, Some("id")),
        "{e}"
    );

    // Bad bodies and parameters.
    for (body, path) in [
        (
            r#"{"resources": "crm.leads", "privileges": ["SELECT"]}"#,
            "resources",
        ),
        (
            r#"{"resources": ["crm.leads"], "privileges": [1]}"#,
            "privileges[0]",
        ),
        (
            r#"{"resources": ["crm.leads"], "privileges": ["SELECT"], "duration": "soon"}"#,
            "duration",
        ),
        (
            r#"{"resources": ["no_such_table_xyz"], "privileges": ["SELECT"]}"#,
            "resources[0]",
        ),
        (r#"{"resources": ["crm.leads"]}"#, "privileges"),
        (
            r#"{"resources": ["crm.leads"], "privileges": ["SELECT"], "colour": "red"}"#,
            "colour",
        ),
    ] {
        let (status, e) = s.post_as(&p.alice, "/v1/requests", body).await;
        assert!(status == 400 || status == 404, "{body}: {status} {e}");
        assert_eq!(
            e["error"]["path"].as_str().unwrap_or(""),
            path,
            "{body}: {e}"
        );
    }
    for (query, param) in [
        ("status=bogus", "status"),
        ("limit=0", "limit"),
        ("cursor=nonsense", "cursor"),
        // axum's own rejections, answered with the error document too.
        ("limit=1&limit=2", "limit"),
    ] {
        let (status, e) = s.get_as(&p.alice, &format!("/v1/requests?{query}")).await;
        assert_eq!(
            (status, e["error"]["path"].as_str()),
            (400, Some(param)),
            "{query}: {e}"
        );
    }
}

#[tokio::test]
async fn lists_page_with_a_cursor_and_show_each_person_theirs() {
    let s = TestServer::start().await;
    let p = people(&s).await;
    let tom = s.token_for("tom", Role::Requester, None).await;
    let mut made = Vec::new();
    for _ in 0..7 {
        made.push(
            create(&s, &p.alice, leads("8h")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    create(&s, &tom, leads("8h")).await;
    let mut seen = Vec::new();
    let mut path = "/v1/requests?limit=3".to_string();
    loop {
        let (status, page) = s.get_as(&p.alice, &path).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/requests?limit=3&cursor={c}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "alice sees her 7, newest first, each once");
    // A reviewer sees everyone's; a requester may not ask for another person's.
    let (_, all) = s.get_as(&p.carol, "/v1/requests?limit=100").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 8);
    let (status, _) = s.get_as(&p.alice, "/v1/requests?requester=tom").await;
    assert_eq!(status, 403);
    let (_, toms) = s.get_as(&p.carol, "/v1/requests?requester=tom").await;
    assert_eq!(toms["items"].as_array().unwrap().len(), 1);
}

async fn patch(s: &TestServer, token: &str, id: &str, body: Value) -> (u16, Value) {
    let resp = s
        .client
        .patch(format!("{}/v1/requests/{id}", s.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

/// PATCH: the requester changes an open, unapproved request (duration, reason, privileges on its
/// resources), recorded in its history; nothing else can be changed and nothing else changes it.
#[tokio::test]
async fn the_requester_changes_an_open_request_until_someone_approves_it() {
    let s = TestServer::start().await;
    let p = people(&s).await;
    let r = create(&s, &p.alice, leads("8h")).await;
    let id = r["id"].as_str().unwrap();

    let (status, changed) = patch(
        &s,
        &p.alice,
        id,
        json!({"duration": "2w", "reason": " month end ’close’ "}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["duration"], "2w");
    assert_eq!(changed["reason"], "month end ’close’");
    assert_eq!(changed["status"], "open");
    let (_, one) = s.get_as(&p.alice, &format!("/v1/requests/{id}")).await;
    let history = one["history"].as_array().unwrap();
    let event = history
        .iter()
        .find(|e| e["kind"] == "changed")
        .expect("a changed event");
    assert_eq!(event["data"]["before"]["duration"], "8h");
    assert_eq!(event["data"]["after"]["duration"], "2w");

    // Bad input: named, and nothing changes.
    for (body, field) in [
        (json!({}), ""),
        (json!({"duration": "soon"}), "duration"),
        (json!({"privileges": ["FLY"]}), "privileges[0]"),
        (json!({"privileges": []}), "privileges"),
        (json!({"color": "red"}), "color"),
    ] {
        let (status, e) = patch(&s, &p.alice, id, body.clone()).await;
        assert_eq!(status, 400, "{body}: {e}");
        if !field.is_empty() {
            assert!(e["error"].to_string().contains(field), "{body}: {e}");
        }
    }
    // Someone else: a reviewer may see it but not change it.
    let (status, e) = patch(&s, &p.carol, id, json!({"duration": "1d"})).await;
    assert_eq!(status, 403, "{e}");
    let (_, after) = s.get_as(&p.alice, &format!("/v1/requests/{id}")).await;
    assert_eq!(after["duration"], "2w");

    // Once a reviewer approved it, the requester cannot change what was approved.
    let (status, _) = s
        .post_as(&p.carol, &format!("/v1/requests/{id}/approve"), "{}")
        .await;
    assert_eq!(status, 200);
    let (status, e) = patch(&s, &p.alice, id, json!({"duration": "1d"})).await;
    assert_eq!(status, 409, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains(id), "{e}");
}
