//! The pages answer to the same rights table as REST: every row of `authz::TABLE` that has a
//! page twin (the same action as a form post, the same data as a page) is run for the same
//! callers, on a fresh request in the same state, and must be allowed or refused as REST is.
//! Agents have no column here: an agent token does not sign in to the dashboard
//! (pages::login).

use super::Visitor;
use crate::authz::{NEW, Setup, TABLE, WHO, request_in};
use crate::server::TestServer;
use warden::people::Role;

/// A page route: method, path and form fields.
type Twin = (&'static str, String, Vec<(&'static str, String)>);

/// The page twin of a REST route: method, path and form fields; none for routes with no page
/// (the tools, import, health, the OpenAPI document).
fn twin(method: &str, path: &str) -> Option<Twin> {
    let action = |a: &str| path.replace("/v1/requests/{id}", "/requests/{id}") + a;
    Some(match (method, path) {
        ("GET", "/v1/requests") => ("GET", "/requests".into(), vec![]),
        ("POST", "/v1/requests") => ("POST", "/requests/new".into(), new_request_form()),
        ("GET", "/v1/requests/{id}") => ("GET", "/requests/{id}".into(), vec![]),
        ("DELETE", "/v1/requests/{id}") => ("POST", action("/delete"), vec![]),
        ("POST", p) if p.starts_with("/v1/requests/{id}/") => {
            let fields = if p.ends_with("/extend") {
                vec![("duration", "1d".to_string())]
            } else {
                vec![]
            };
            ("POST", p.replacen("/v1", "", 1), fields)
        }
        ("POST", "/v1/chat") => (
            "POST",
            "/chat".into(),
            vec![("message", "who can read crm.leads?".into())],
        ),
        ("GET", "/v1/identities") => ("GET", "/identities".into(), vec![]),
        ("GET", "/v1/resources?q=leads") => ("GET", "/resources?q=leads".into(), vec![]),
        ("GET", "/v1/people") => ("GET", "/people".into(), vec![]),
        ("GET", "/v1/audit") => ("GET", "/audit".into(), vec![]),
        ("GET", "/v1/drift") => ("GET", "/drift".into(), vec![]),
        _ => return None,
    })
}

/// The new-request form's fields for the table's `NEW` request.
fn new_request_form() -> Vec<(&'static str, String)> {
    let new: serde_json::Value = serde_json::from_str(NEW).unwrap();
    vec![
        ("resource", new["resources"][0].as_str().unwrap().into()),
        ("privilege", new["privileges"][0].as_str().unwrap().into()),
        ("duration", new["duration"].as_str().unwrap().into()),
    ]
}

/// What a page answers when REST answers `rest`: allowed is the page (200) or, after a form, a
/// redirect to the result (303); refused is the same status; no session is a trip to `/login`
/// for a page and a 401 for a form.
fn page_status(method: &str, rest: u16) -> u16 {
    match (method, rest) {
        ("GET", 401) => 303,
        ("POST", 401) => 401,
        ("GET", 200..=299) => 200,
        ("POST", 200..=299) => 303,
        (_, s) => s,
    }
}

#[tokio::test]
async fn every_page_for_every_caller_as_rest_decides() {
    let s = TestServer::start().await;
    let roles = [
        ("alice", Role::Requester),
        ("carol", Role::Reviewer),
        ("victor", Role::Admin),
    ];
    let mut tokens = vec![None];
    let mut visitors = vec![Visitor::new(&s.base)];
    for (name, role) in roles {
        tokens.push(Some(s.token_for(name, role, None).await));
        visitors.push(Visitor::signed_in(&s, name, role).await);
    }
    let maya = s.token_for("maya", Role::Requester, None).await;
    let priya = s.token_for("priya", Role::Reviewer, None).await;
    let mut wrong = Vec::new();
    let mut cells = 0;
    for r in TABLE {
        let Some((method, page, fields)) = twin(r.method, r.path) else {
            continue;
        };
        for k in 0..visitors.len() {
            let own = tokens[k].as_deref().or(tokens[1].as_deref()).unwrap();
            let id = match r.setup {
                Setup::None => String::new(),
                Setup::OwnOpen => request_in(&s, own, &priya, Setup::Open).await,
                Setup::OwnActive => request_in(&s, own, &priya, Setup::Active).await,
                other => request_in(&s, &maya, &priya, other).await,
            };
            let path = page.replace("{id}", &id);
            let v = &mut visitors[k];
            let got = if method == "GET" {
                v.get(&path).await
            } else {
                // The CSRF token of the caller's own session (anonymous: none to send).
                let csrf = match k {
                    0 => String::new(),
                    _ => super::csrf_of(&v.get("/requests").await.body).unwrap(),
                };
                let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                v.post(&path, &all).await
            };
            cells += 1;
            let expect = page_status(method, r.expect[k]);
            let to_login = got
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login"));
            // A signed-in caller's allowed form ends on its result, never back at sign-in.
            let sent_to_sign_in = k > 0 && to_login;
            if got.status != expect || sent_to_sign_in {
                wrong.push(format!(
                    "{method} {page} ({} {}) as {}: {} (to {:?}), expected {expect}: {}",
                    r.method,
                    r.path,
                    WHO[k],
                    got.status,
                    got.location,
                    got.body
                        .lines()
                        .find(|l| l.contains("class=\"error\""))
                        .unwrap_or("")
                ));
            }
        }
    }
    assert!(cells >= 60, "only {cells} cells ran");
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
