//! A request's page over real HTTP: exactly the buttons each role may press in each state the
//! demo reaches, the review card (grantee, narrowing, who newly gains access, live and without
//! JavaScript), every action as a plain form post that does what REST does, refusals that
//! change nothing, the requester's current access with paths, and platform names as text.

use super::{Answer, Visitor, buttons};
use crate::server::TestServer;
use serde_json::{Value, json};
use warden::people::Role;

/// The action buttons on a request's page (the frame's `Sign out` aside).
fn actions(page: &Answer) -> Vec<String> {
    assert_eq!(page.status, 200, "{}", page.body);
    buttons(&page.body)
        .into_iter()
        .filter(|b| b != "Sign out")
        .collect()
}

struct Cast {
    s: TestServer,
    alice: Visitor,
    carol: Visitor,
    priya: Visitor,
    victor: Visitor,
    alice_token: String,
    carol_token: String,
    victor_token: String,
}

async fn cast() -> Cast {
    cast_on(TestServer::start().await).await
}

async fn cast_on(s: TestServer) -> Cast {
    let alice_token = s.token_for("alice", Role::Requester, None).await;
    let carol_token = s.token_for("carol", Role::Reviewer, None).await;
    let victor_token = s.token_for("victor", Role::Admin, None).await;
    Cast {
        alice: Visitor::signed_in(&s, "alice", Role::Requester).await,
        carol: Visitor::signed_in(&s, "carol", Role::Reviewer).await,
        priya: Visitor::signed_in(&s, "priya", Role::Reviewer).await,
        victor: Visitor::signed_in(&s, "victor", Role::Admin).await,
        alice_token,
        carol_token,
        victor_token,
        s,
    }
}

async fn create(s: &TestServer, token: &str, body: Value) -> String {
    let (status, r) = s.post_as(token, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

fn leads() -> Value {
    json!({"resources": ["crm.leads"], "privileges": ["SELECT", "INSERT"], "duration": "2w", "reason": "pipeline review"})
}

async fn status_of(s: &TestServer, id: &str) -> Value {
    let (status, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(status, 200, "{r}");
    r
}

/// The buttons alice (requester), carol and priya (reviewers) and victor (admin) see.
async fn seen(c: &mut Cast, id: &str) -> [Vec<String>; 3] {
    let path = format!("/requests/{id}");
    [
        actions(&c.alice.get(&path).await),
        actions(&c.carol.get(&path).await),
        actions(&c.victor.get(&path).await),
    ]
}

#[tokio::test]
async fn each_role_sees_exactly_the_buttons_of_each_state() {
    let mut c = cast().await;
    let none: Vec<String> = Vec::new();
    let id = create(&c.s, &c.alice_token, leads()).await;
    let page = format!("/requests/{id}");

    // Open: the requester may delete; reviewers approve or deny; an admin all three.
    assert_eq!(
        seen(&mut c, &id).await,
        [
            vec!["Delete".to_string()],
            vec!["Approve".into(), "Deny".into()],
            vec!["Approve".into(), "Deny".into(), "Delete".into()],
        ]
    );
    // A reviewer's own open request: no Approve or Deny for them, Delete as its requester.
    let own = create(&c.s, &c.carol_token, leads()).await;
    assert_eq!(
        actions(&c.carol.get(&format!("/requests/{own}")).await),
        ["Delete"]
    );
    assert_eq!(
        actions(&c.priya.get(&format!("/requests/{own}")).await),
        ["Approve", "Deny"]
    );

    // Approved on a connection Warden cannot provision: only an admin, to mark it provisioned,
    // with the statements to run.
    let (status, r) =
        c.s.post_as(
            &c.carol_token,
            &format!("/v1/requests/{id}/approve"),
            r#"{"grantee": {"warehouse": "alice"}}"#,
        )
        .await;
    assert_eq!((status, r["manual"].as_bool()), (200, Some(true)), "{r}");
    assert_eq!(
        seen(&mut c, &id).await,
        [
            none.clone(),
            none.clone(),
            vec!["Mark provisioned".to_string()]
        ]
    );
    let admin = c.victor.get(&page).await;
    assert!(
        admin
            .body
            .contains("GRANT SELECT ON TABLE &#34;crm&#34;.&#34;leads&#34; TO &#34;alice&#34;;"),
        "the admin sees the statement to run: {}",
        admin.body
    );
    assert!(!c.carol.get(&page).await.body.contains("GRANT SELECT"));

    // Marked provisioned through the page: active; the requester may extend, reviewers revoke.
    let done = c
        .victor
        .post_from(&page, &format!("{page}/provisioned"), &[])
        .await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some(page.as_str()))
    );
    assert_eq!(status_of(&c.s, &id).await["status"], "active");
    assert_eq!(
        seen(&mut c, &id).await,
        [
            vec!["Extend".to_string()],
            vec!["Revoke".into()],
            vec!["Revoke".into()],
        ]
    );

    // Extend through the page: a new open request linked to this one, shown next.
    let ext = c
        .alice
        .post_from(&page, &format!("{page}/extend"), &[("duration", "1d")])
        .await;
    assert_eq!(ext.status, 303, "{}", ext.body);
    let ext_page = ext.location.unwrap();
    let ext_id = ext_page.trim_start_matches("/requests/").to_string();
    assert_ne!(ext_id, id);
    assert_eq!(status_of(&c.s, &ext_id).await["extends"], id.as_str());
    let shown = c.alice.get(&ext_page).await;
    assert!(shown.body.contains(&format!("href=\"/requests/{id}\"")));

    // Revoked through the page with a reason: closed, no actions for anyone.
    let revoked = c
        .carol
        .post_from(
            &page,
            &format!("{page}/revoke"),
            &[("reason", "audit over")],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let r = status_of(&c.s, &id).await;
    assert_eq!(r["status"], "closed", "{r}");
    assert_eq!(
        seen(&mut c, &id).await,
        [none.clone(), none.clone(), none.clone()]
    );
    for v in [&mut c.alice, &mut c.carol, &mut c.victor] {
        assert!(v.get(&page).await.body.contains("No actions available"));
    }

    // Denied (with its reason) and deleted: no actions either.
    let denied = create(&c.s, &c.alice_token, leads()).await;
    let dpage = format!("/requests/{denied}");
    let d = c
        .carol
        .post_from(
            &dpage,
            &format!("{dpage}/deny"),
            &[("reason", "not needed")],
        )
        .await;
    assert_eq!(d.status, 303, "{}", d.body);
    let r = status_of(&c.s, &denied).await;
    assert_eq!(
        (r["status"].as_str(), r["denial"]["reason"].as_str()),
        (Some("denied"), Some("not needed"))
    );
    assert_eq!(
        seen(&mut c, &denied).await,
        [none.clone(), none.clone(), none.clone()]
    );
    let shown = c.alice.get(&dpage).await;
    assert!(shown.body.contains("No actions available") && shown.body.contains("not needed"));

    let deleted = create(&c.s, &c.alice_token, leads()).await;
    let xpage = format!("/requests/{deleted}");
    let x = c
        .alice
        .post_from(&xpage, &format!("{xpage}/delete"), &[])
        .await;
    assert_eq!(x.status, 303, "{}", x.body);
    assert_eq!(status_of(&c.s, &deleted).await["status"], "deleted");
    assert_eq!(
        seen(&mut c, &deleted).await,
        [none.clone(), none.clone(), none]
    );
    assert!(
        c.victor
            .get(&xpage)
            .await
            .body
            .contains("No actions available")
    );
}

#[tokio::test]
async fn a_reviewer_approves_through_the_card_choosing_a_role_and_a_shorter_duration() {
    let mut c = cast().await;
    let id = create(&c.s, &c.alice_token, leads()).await;
    let page = format!("/requests/{id}");

    // The card offers alice's identity and the roles she belongs to; alice herself by default.
    let card = c.carol.get(&page).await;
    for radio in [
        r#"name="grantee.warehouse" value="alice" checked"#,
        r#"name="grantee.warehouse" value="data_eng""#,
        r#"name="privileges" value="INSERT" checked"#,
        r#"hx-get="/requests/"#,
        "1 more needed",
    ] {
        assert!(
            card.body.contains(radio),
            "{radio} on the card: {}",
            card.body
        );
    }

    // Who newly gains INSERT through data_eng: its other members ivan and victor too (the htmx fragment).
    let gains = c
        .carol
        .get(&format!(
            "{page}/gains?grantee.warehouse=data_eng&privileges=INSERT"
        ))
        .await;
    assert_eq!(gains.status, 200, "{}", gains.body);
    assert!(
        gains.body.contains("id=\"gains\"") && gains.body.contains(">ivan<"),
        "{}",
        gains.body
    );
    assert!(!gains.body.contains("<html"), "a fragment, not a page");
    let alone = c
        .carol
        .get(&format!("{page}/gains?grantee.warehouse=alice"))
        .await;
    assert!(!alone.body.contains(">ivan<"), "{}", alone.body);
    // Without JavaScript: the Preview button's GET (which carries the whole form, CSRF token
    // included) comes back to the page with that choice, the token dropped from the address.
    let csrf = super::csrf_of(&card.body).unwrap();
    let preview = c
        .carol
        .get(&format!("{page}?csrf={csrf}&grantee.warehouse=data_eng&privileges_shown=1&privileges=INSERT&duration=&reason="))
        .await;
    assert_eq!(preview.status, 303);
    let clean = preview.location.unwrap();
    assert!(!clean.contains(&csrf), "{clean}");
    let previewed = c.carol.get(&clean).await;
    assert!(
        previewed.body.contains(r#"value="data_eng" checked"#),
        "{}",
        previewed.body
    );
    assert!(previewed.body.contains(">ivan<"), "{}", previewed.body);
    // Nobody but a reviewer who may approve gets the fragment.
    assert_eq!(c.alice.get(&format!("{page}/gains")).await.status, 403);

    // Approve: data_eng, INSERT only, one week instead of two.
    let done = c
        .carol
        .post_from(
            &page,
            &format!("{page}/approve"),
            &[
                ("grantee.warehouse", "data_eng"),
                ("privileges_shown", "1"),
                ("privileges", "INSERT"),
                ("duration", "1w"),
                ("reason", "ok for a week"),
            ],
        )
        .await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some(page.as_str())),
        "{}",
        done.body
    );
    let r = status_of(&c.s, &id).await;
    assert_eq!(r["status"], "approved", "{r}");
    assert_eq!(
        r["grantees"],
        json!([{"connection": "warehouse", "identity": "data_eng"}])
    );
    assert_eq!(
        (r["privileges"].clone(), r["duration"].clone()),
        (json!(["INSERT"]), json!("1w"))
    );
    assert!(r["newly_gains"].to_string().contains("ivan"), "{r}");
    // The expiry is set from the narrowed duration when it becomes active.
    let (status, r) =
        c.s.post_as(
            &c.victor_token,
            &format!("/v1/requests/{id}/provisioned"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let activated =
        chrono::DateTime::parse_from_rfc3339(r["activated_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(r["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - activated).num_days(), 7, "{r}");
    let shown = c.carol.get(&page).await;
    assert!(shown.body.contains("data_eng") && shown.body.contains("Newly gains"));
}

#[tokio::test]
async fn where_two_approvals_are_needed_the_first_reviewer_is_not_offered_a_second() {
    let s =
        TestServer::start_with_config("[[approval_rules]]\nresources = \"crm.*\"\napprovals = 2\n")
            .await;
    let mut c = cast_on(s).await;
    let id = create(&c.s, &c.alice_token, leads()).await;
    let page = format!("/requests/{id}");
    assert!(
        c.carol
            .get(&page)
            .await
            .body
            .contains("0 of 2 given; 2 more needed")
    );
    let first = c
        .carol
        .post_from(
            &page,
            &format!("{page}/approve"),
            &[("grantee.warehouse", "data_eng")],
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(status_of(&c.s, &id).await["status"], "open");
    assert_eq!(actions(&c.carol.get(&page).await), ["Deny"]);
    let second = c.priya.get(&page).await;
    assert_eq!(actions(&second), ["Approve", "Deny"]);
    // The next reviewer starts from the first one's grantee, and sees one approval left.
    assert!(
        second.body.contains(r#"value="data_eng" checked"#),
        "{}",
        second.body
    );
    assert!(
        second.body.contains("1 of 2 given; 1 more needed"),
        "{}",
        second.body
    );
    // Posting a second approval anyway is refused as the API refuses it.
    let again = c
        .carol
        .post_from(&page, &format!("{page}/approve"), &[])
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    let done = c
        .priya
        .post_from(&page, &format!("{page}/approve"), &[])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let r = status_of(&c.s, &id).await;
    assert_eq!(
        (r["status"].as_str(), r["grantees"][0]["identity"].as_str()),
        (Some("approved"), Some("data_eng")),
        "{r}"
    );
}

#[tokio::test]
async fn refused_actions_change_nothing_and_say_why_with_the_services_status() {
    let mut c = cast().await;
    let id = create(&c.s, &c.alice_token, leads()).await;
    let page = format!("/requests/{id}");

    // The requester posts Approve with her own valid session and CSRF token: 403, still open.
    let own = c
        .alice
        .post_from(&page, &format!("{page}/approve"), &[])
        .await;
    assert_eq!(own.status, 403, "{}", own.body);
    assert!(
        own.body.contains("Forbidden") || own.body.contains("403"),
        "{}",
        own.body
    );
    // Without the CSRF token, even a reviewer changes nothing.
    let forged = c.carol.post(&format!("{page}/approve"), &[]).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // Widening is refused as the API refuses it (422), naming the field.
    let wide = c
        .carol
        .post_from(&page, &format!("{page}/approve"), &[("duration", "30d")])
        .await;
    assert_eq!(wide.status, 422, "{}", wide.body);
    assert!(wide.body.contains("duration"), "{}", wide.body);
    // Unticking every privilege is not "no narrowing": the service refuses it.
    let empty = c
        .carol
        .post_from(
            &page,
            &format!("{page}/approve"),
            &[("privileges_shown", "1")],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    // A grantee the requester does not belong to: 422.
    let foreign = c
        .carol
        .post_from(
            &page,
            &format!("{page}/approve"),
            &[("grantee.warehouse", "root")],
        )
        .await;
    assert_eq!(foreign.status, 422, "{}", foreign.body);
    // Revoking an open request: 409 naming the state.
    let early = c
        .carol
        .post_from(&page, &format!("{page}/revoke"), &[])
        .await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(early.body.contains("open"), "{}", early.body);
    let r = status_of(&c.s, &id).await;
    assert_eq!(
        (
            r["status"].as_str(),
            r["approvals"].as_array().map(Vec::len)
        ),
        (Some("open"), Some(0)),
        "{r}"
    );

    // Another requester cannot see it (404, as the API), nor act on it.
    let mut maya = Visitor::signed_in(&c.s, "maya", Role::Requester).await;
    assert_eq!(maya.get(&page).await.status, 404);
    assert_eq!(
        maya.post_from("/requests", &format!("{page}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(status_of(&c.s, &id).await["status"], "open");
}

#[tokio::test]
async fn the_page_shows_the_request_and_the_requesters_access_with_paths() {
    let mut c = cast().await;
    let maya = c.s.token_for("maya", Role::Requester, None).await;
    let id = create(&c.s, &maya, leads()).await;
    let page = c.carol.get(&format!("/requests/{id}")).await;
    for fact in [
        "prod.crm.leads",
        "SELECT, INSERT",
        "pipeline review",
        "2w",
        "created",
        // maya holds SELECT now, through her role; not INSERT.
        "maya → sales_ops → crm_read → SELECT on prod.crm.leads",
    ] {
        assert!(page.body.contains(fact), "{fact}: {}", page.body);
    }
    // Drafted by an agent of maya's: the page says which.
    let bot = c.s.token_for("maya", Role::Requester, Some("bot")).await;
    let drafted = create(&c.s, &bot, leads()).await;
    let page = c.carol.get(&format!("/requests/{drafted}")).await;
    assert!(page.body.contains("agent bot for maya"), "{}", page.body);
    // No such request: the API's 404, as a page.
    let missing = c.carol.get("/requests/req_nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("no request"), "{}", missing.body);
}

#[tokio::test]
async fn platform_names_are_text_never_markup() {
    let mut doc: Value = serde_json::from_str(include_str!("../../../src/demo/acme.json")).unwrap();
    let role = "<script>alert(1)</script>";
    let table = "<img src=x onerror=alert(2)>";
    let wh = doc["connections"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["name"] == "warehouse")
        .unwrap();
    wh["identities"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": role, "kind": "role"}));
    wh["memberships"]
        .as_array_mut()
        .unwrap()
        .push(json!({"member": "maya", "role": role}));
    wh["resources"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kind": "table", "name": format!("prod.crm.{table}"), "owner": "etl"}));
    wh["grants"].as_array_mut().unwrap().push(
        json!({"grantee": role, "privilege": "SELECT", "resource": format!("prod.crm.{table}")}),
    );
    let s = TestServer::start().await;
    s.app
        .import(warden::snapshot::parse_str(&doc.to_string()).unwrap())
        .await
        .unwrap();
    let mut c = cast_on(s).await;
    let maya = c.s.token_for("maya", Role::Requester, None).await;
    let id = create(
        &c.s,
        &maya,
        json!({"resources": [format!("warehouse:prod.crm.{table}")], "privileges": ["SELECT"], "roles": [format!("warehouse:{role}")], "reason": role}),
    )
    .await;
    let page = c.carol.get(&format!("/requests/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains(role) && !page.body.contains(table),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("&#60;img src=x onerror=alert(2)&#62;"),
        "{}",
        page.body
    );
    let gains = c
        .carol
        .get(&format!(
            "/requests/{id}/gains?grantee.warehouse=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        ))
        .await;
    assert_eq!(gains.status, 200, "{}", gains.body);
    assert!(!gains.body.contains(role), "{}", gains.body);
}
