//! `/v1/identities…`, `/v1/resources…` and `/v1/people` over real HTTP: plain listings page by
//! cursor, searches and single items answer as the tools do, bad parameters are named.

use crate::server::TestServer;
use serde_json::Value;
use std::collections::BTreeSet;
use warden::people::Role;

/// Every item of a listing, following `next_cursor` from `first`.
async fn all_pages(s: &TestServer, token: &str, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_string();
    loop {
        let (status, page) = s.get_as(token, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{first}&cursor={c}"),
            None => return items,
        }
    }
}

#[tokio::test]
async fn listings_searches_and_single_items() {
    let s = TestServer::start().await;
    let alice = s.token_for("alice", Role::Requester, None).await;

    // A listing in pages of 7 holds every identity once, the same as one big page.
    let paged = all_pages(&s, &alice, "/v1/identities?limit=7").await;
    let (_, whole) = s.get_as(&alice, "/v1/identities?limit=1000").await;
    assert_eq!(whole["next_cursor"], Value::Null);
    assert_eq!(&paged, whole["items"].as_array().unwrap());
    let keys: BTreeSet<String> = paged
        .iter()
        .map(|i| format!("{}:{}", i["connection"], i["name"]))
        .collect();
    assert_eq!(keys.len(), paged.len(), "no identity twice");
    assert!(paged.len() > 7);

    // One connection's only, listed or searched.
    let (_, wh) = s
        .get_as(&alice, "/v1/identities?connection=warehouse")
        .await;
    let (_, found) = s
        .get_as(&alice, "/v1/identities?q=alice&connection=warehouse")
        .await;
    for list in [&wh, &found] {
        let items = list["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{list}");
        assert!(
            items.iter().all(|i| i["connection"] == "warehouse"),
            "{list}"
        );
    }
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "alice")
    );
    assert_eq!(found["next_cursor"], Value::Null, "a search is one page");

    // A search answers with the search tool's matches.
    let (status, r) = s.get_as(&alice, "/v1/resources?q=leads").await;
    assert_eq!(status, 200, "{r}");
    let first = &r["items"][0];
    assert!(first["name"].as_str().unwrap().contains("leads"), "{r}");
    assert!(first["score"].is_number());

    // Single items are the tools' answers, names resolved.
    let (status, r) = s.get_as(&alice, "/v1/identities/alice").await;
    assert_eq!(status, 200, "{r}");
    assert!(
        r["identities"].as_array().is_some_and(|a| !a.is_empty()),
        "{r}"
    );
    let (status, r) = s
        .get_as(&alice, "/v1/resources/crm.leads?privilege=insert")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["resource"], "prod.crm.leads");
    assert!(!r["grantees"].as_array().unwrap().is_empty());
    let (status, e) = s.get_as(&alice, "/v1/identities/zorro").await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{e}"
    );

    // People, for reviewers: every demo person and the test's admin, in pages.
    let carol = s.token_for("carol", Role::Reviewer, None).await;
    let people = all_pages(&s, &carol, "/v1/people?limit=2").await;
    let names: BTreeSet<&str> = people.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(
        names.is_superset(&BTreeSet::from(["admin", "alice", "carol"])),
        "{names:?}"
    );
    assert_eq!(names.len(), people.len());
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let s = TestServer::start().await;
    let alice = s.token_for("alice", Role::Requester, None).await;
    for (path, param, code) in [
        ("/v1/identities?limit=0", "limit", 400),
        ("/v1/identities?limit=many", "limit", 400),
        ("/v1/identities?cursor=x", "cursor", 400),
        ("/v1/identities?limit=1&limit=2", "limit", 400),
        ("/v1/identities?connection=nowhere", "connection", 404),
        ("/v1/resources?q=leads&limit=5000", "limit", 400),
        ("/v1/resources/nowhere.nothing", "resource", 404),
    ] {
        let (status, e) = s.get_as(&alice, path).await;
        assert_eq!(
            (status, e["error"]["path"].as_str()),
            (code, Some(param)),
            "{path}: {e}"
        );
    }
}
