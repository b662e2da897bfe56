//! `warden request … --as PERSON` applies exactly REST's rules for that person: every action by
//! every kind of person on requests in several states gives the same outcome on the command
//! line as over HTTP, against one store that a running server shares.

use crate::binary::run;
use crate::server::TestServer;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use warden::people::Role;

/// What an action came to: the request's status afterwards, or the error's code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Status(String),
    Error(String),
}

const ACTIONS: [&str; 6] = ["show", "approve", "deny", "revoke", "extend", "delete"];

/// People and their tokens: two requesters, two reviewers, an admin.
async fn people(s: &TestServer) -> BTreeMap<&'static str, String> {
    let mut tokens = BTreeMap::new();
    for (name, role) in [
        ("maya", Role::Requester),
        ("tom", Role::Requester),
        ("carol", Role::Reviewer),
        ("priya", Role::Reviewer),
        ("victor", Role::Admin),
    ] {
        tokens.insert(name, s.token_for(name, role, None).await);
    }
    tokens
}

/// A new open request by `token`'s person, or one approved by `approver` too.
async fn request(s: &TestServer, token: &str, approver: Option<&str>) -> String {
    let body = json!({"resources": ["crm.leads"], "privileges": ["INSERT"], "duration": "3d"});
    let (status, r) = s.post_as(token, "/v1/requests", &body.to_string()).await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    if let Some(approver) = approver {
        let (status, r) = s
            .post_as(approver, &format!("/v1/requests/{id}/approve"), "{}")
            .await;
        assert_eq!(status, 200, "{r}");
    }
    id
}

async fn over_rest(s: &TestServer, token: &str, action: &str, id: &str) -> Outcome {
    let path = format!("{}/v1/requests/{id}", s.base);
    let r = match action {
        "show" => s.client.get(&path),
        "delete" => s.client.delete(&path),
        "extend" => s
            .client
            .post(format!("{path}/extend"))
            .json(&json!({"duration": "1d"})),
        _ => s.client.post(format!("{path}/{action}")).json(&json!({})),
    };
    let r = r.bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    if status == 204 {
        return Outcome::Status("deleted".into());
    }
    let doc: Value = r.json().await.unwrap();
    match doc["error"]["code"].as_str() {
        Some(code) => Outcome::Error(code.into()),
        None => {
            assert!((200..300).contains(&status), "{status} {doc}");
            Outcome::Status(doc["status"].as_str().unwrap().into())
        }
    }
}

fn on_command_line(s: &TestServer, person: &str, action: &str, id: &str) -> Outcome {
    let mut args = vec!["--json", "request", action, id, "--as", person];
    if action == "extend" {
        args.extend(["--duration", "1d"]);
    }
    let (code, out, err) = run(s.dir.path(), &args);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    match doc["error"]["code"].as_str() {
        Some(code_name) => {
            assert_eq!(code, 2, "{doc}");
            Outcome::Error(code_name.into())
        }
        None => {
            assert_eq!(code, 0, "{doc} {err}");
            Outcome::Status(doc["status"].as_str().unwrap().into())
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_action_by_every_person_matches_rest() {
    let s = TestServer::start().await;
    let tokens = people(&s).await;
    let mut cells = Vec::new();
    for owner in ["maya", "carol"] {
        for approved in [false, true] {
            for (person, token) in &tokens {
                for action in ACTIONS {
                    // Approved by the one reviewer who did not file it.
                    let approver = approved
                        .then(|| tokens[if owner == "carol" { "priya" } else { "carol" }].as_str());
                    let twin_a = request(&s, &tokens[owner], approver).await;
                    let twin_b = request(&s, &tokens[owner], approver).await;
                    let cli = tokio::task::block_in_place(|| {
                        on_command_line(&s, person, action, &twin_a)
                    });
                    let rest = over_rest(&s, token, action, &twin_b).await;
                    let state = if approved { "approved" } else { "open" };
                    assert_eq!(
                        cli, rest,
                        "{person} {action} on {owner}'s {state} request: command line vs REST"
                    );
                    cells.push(((owner, state, *person, action), cli));
                }
            }
        }
    }
    // The matrix meets the rules it is meant to compare, not only refusals.
    let outcome = |owner, state, person, action| {
        cells
            .iter()
            .find(|(k, _)| *k == (owner, state, person, action))
            .map(|(_, o)| o.clone())
            .unwrap()
    };
    let forbidden = Outcome::Error("forbidden".into());
    assert_eq!(outcome("maya", "open", "maya", "approve"), forbidden);
    assert_eq!(outcome("carol", "open", "carol", "approve"), forbidden);
    assert_eq!(
        outcome("maya", "open", "carol", "approve"),
        Outcome::Status("approved".into())
    );
    assert_eq!(
        outcome("maya", "open", "maya", "delete"),
        Outcome::Status("deleted".into())
    );
    assert!(matches!(
        outcome("maya", "open", "tom", "show"),
        Outcome::Error(_)
    ));
    assert!(matches!(
        outcome("maya", "approved", "carol", "deny"),
        Outcome::Error(_)
    ));
    let kinds: std::collections::BTreeSet<_> = cells.iter().map(|(_, o)| o.clone()).collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
}

/// The command line's own input: the person is required and must exist, a malformed grantee
/// or privilege is named by its flag, a request that is not there is not found; nothing changes.
#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_named_and_changes_nothing() {
    let s = TestServer::start().await;
    let tokens = people(&s).await;
    let id = request(&s, &tokens["maya"], None).await;
    let dir = s.dir.path();
    let cases: [(&[&str], &str); 6] = [
        (&["request", "approve", &id], "--as"),
        (&["request", "approve", &id, "--as", "zorro"], "--as"),
        (
            &[
                "request",
                "approve",
                &id,
                "--as",
                "carol",
                "--grantee",
                "warehouse",
            ],
            "--grantee",
        ),
        (
            &[
                "request",
                "approve",
                &id,
                "--as",
                "carol",
                "--privilege",
                "SELECT",
            ],
            "--privilege",
        ),
        (
            &["request", "list", "--as", "carol", "--status", "pending"],
            "--status",
        ),
        (
            &["request", "show", "req_nope", "--as", "carol"],
            "req_nope",
        ),
    ];
    for (args, named) in cases {
        let (code, out, err) = run(dir, args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(
            err.trim_end().lines().count() == 1 || named == "--as",
            "{args:?}: {err}"
        );
    }
    let (_, r) = s
        .get_as(&tokens["carol"], &format!("/v1/requests/{id}"))
        .await;
    assert_eq!(r["status"], "open", "{r}");
    assert_eq!(r["approvals"].as_array().unwrap().len(), 0, "{r}");

    // And the text a reviewer reads: one line a request, then the approval's block.
    let (code, out, err) = run(dir, &["request", "list", "--as", "carol"]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(line.contains("open") && line.contains("maya"), "{line}");
    assert!(line.contains("INSERT on prod.crm.leads for 3d"), "{line}");
    let (code, out, err) = run(
        dir,
        &[
            "request",
            "approve",
            &id,
            "--as",
            "carol",
            "--duration",
            "2d",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved:  carol"), "{out}");
    let (_, r) = s
        .get_as(&tokens["maya"], &format!("/v1/requests/{id}"))
        .await;
    assert_eq!(r["approvals"][0]["reviewer"], "carol", "{r}");
    assert_eq!(r["duration"], "2d", "{r}");
}
