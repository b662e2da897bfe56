//! `/audit` over real HTTP: the events REST lists, newest first, narrowed by the filters; the
//! chain shown verified, then broken after a row is edited behind Warden's back; the exports the
//! same files as REST's; and a requester refused as REST refuses.

use super::{Visitor, escape};
use crate::server::TestServer;
use serde_json::{Value, json};
use sqlx::SqlitePool;
use warden::people::Role;

/// A demo server with two requests from maya, one of them approved (some history to show).
async fn with_history() -> (TestServer, Vec<String>) {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let mut ids = Vec::new();
    for resource in ["crm.leads", "finance.invoices"] {
        let body = json!({"resources": [resource], "privileges": ["SELECT"], "duration": "1w",
                          "reason": "a, \"quoted\" reason"});
        let (status, r) = s.post_as(&maya, "/v1/requests", &body.to_string()).await;
        assert_eq!(status, 201, "{r}");
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    let (status, r) = s
        .post(&format!("/v1/requests/{}/approve", ids[0]), "{}")
        .await;
    assert_eq!(status, 200, "{r}");
    (s, ids)
}

/// Every event REST lists for `query` (`kind=…&request=…`), oldest first.
async fn rest_events(s: &TestServer, query: &str) -> Vec<Value> {
    let (status, page) = s.get(&format!("/v1/audit?limit=1000&{query}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["next_cursor"], Value::Null);
    page["items"].as_array().unwrap().clone()
}

/// The sequence numbers of the event rows on an audit page, in order.
fn rows(html: &str) -> Vec<i64> {
    html.split("<tr id=\"event-")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect()
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

/// Newest first, as the page lists them.
fn newest_first(events: &[Value]) -> Vec<i64> {
    let mut s = seqs(events);
    s.reverse();
    s
}

#[tokio::test]
async fn the_page_lists_what_rest_lists_newest_first_and_the_filters_narrow_it() {
    let (s, ids) = with_history().await;
    let mut v = Visitor::signed_in(&s, "rita", Role::Reviewer).await;
    let all = rest_events(&s, "").await;
    assert!(all.len() >= 4, "{all:?}");

    let page = v.get("/audit").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let shown = rows(&page.body);
    let expected = newest_first(&all);
    assert_eq!(shown, expected[..expected.len().min(50)]);
    // Each event's request links to its page.
    assert!(
        page.body
            .contains(&format!("<a href=\"/requests/{}\">{}</a>", ids[0], ids[0])),
        "{}",
        page.body
    );

    // By kind and by request, as REST filters them.
    for (page_query, rest_query) in [
        ("kind=created".to_string(), "kind=created".to_string()),
        (format!("request={}", ids[0]), format!("request={}", ids[0])),
        (
            format!("kind=approved&request={}", ids[0]),
            format!("kind=approved&request={}", ids[0]),
        ),
        (format!("request={}", ids[1]), format!("request={}", ids[1])),
    ] {
        let expected = newest_first(&rest_events(&s, &rest_query).await);
        assert!(!expected.is_empty(), "{rest_query}");
        let page = v.get(&format!("/audit?{page_query}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(rows(&page.body), expected, "{page_query}");
    }
    // By actor, as REST filters them.
    let actor = all.iter().find(|e| e["kind"] == "created").unwrap()["actor"]
        .as_str()
        .unwrap()
        .to_string();
    let by_actor = rest_events(&s, &format!("actor={}", urlencode(&actor))).await;
    assert!(by_actor.iter().all(|e| e["actor"] == actor.as_str()));
    assert!(
        !by_actor.is_empty() && by_actor.len() < all.len(),
        "narrowed"
    );
    let page = v.get(&format!("/audit?actor={}", urlencode(&actor))).await;
    assert_eq!(rows(&page.body), newest_first(&by_actor));

    // By time: the day the events were written holds them all; the days around it none.
    let day = &all.last().unwrap()["at"].as_str().unwrap()[..10];
    let first_day = &all[0]["at"].as_str().unwrap()[..10];
    let page = v
        .get(&format!("/audit?since={first_day}&until={day}"))
        .await;
    assert_eq!(rows(&page.body), expected[..expected.len().min(50)]);
    let rest_days = rest_events(&s, &format!("since={first_day}&until={day}")).await;
    assert_eq!(newest_first(&rest_days), expected);
    let after = next_day(day);
    let page = v.get(&format!("/audit?since={after}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(rows(&page.body), Vec::<i64>::new());
    assert!(rest_events(&s, &format!("since={after}")).await.is_empty());
    assert!(page.body.contains("No events match."));
    let before = prev_day(first_day);
    assert_eq!(
        rows(&v.get(&format!("/audit?until={before}")).await.body),
        Vec::<i64>::new()
    );

    // A filter that makes no sense is a 400 naming it, not a 500.
    let bad = v.get("/audit?since=last%20week").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let (status, rest) = s.get("/v1/audit?since=last%20week").await;
    assert_eq!((status, &rest["error"]["path"]), (400, &json!("since")));
    assert!(
        bad.body
            .contains(&escape(rest["error"]["message"].as_str().unwrap())),
        "{}",
        bad.body
    );
    let bad = v.get("/audit?cursor=abc").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

#[tokio::test]
async fn the_page_goes_back_in_time_a_page_at_a_time() {
    let (s, _) = with_history().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    // Enough events for three pages.
    for i in 0..110 {
        let body = json!({"resources": ["crm.leads"], "privileges": ["SELECT"],
                          "duration": "1w", "reason": format!("round {i}")});
        let (status, r) = s.post_as(&maya, "/v1/requests", &body.to_string()).await;
        assert_eq!(status, 201, "{r}");
    }
    let all = rest_events(&s, "").await;
    let expected = newest_first(&all);
    assert!(expected.len() > 100, "{}", expected.len());
    let mut v = Visitor::signed_in(&s, "rita", Role::Reviewer).await;
    let mut shown = Vec::new();
    let mut at = "/audit".to_string();
    loop {
        let page = v.get(&at).await;
        assert_eq!(page.status, 200, "{}", page.body);
        shown.extend(rows(&page.body));
        let Some(i) = page.body.find("<p class=\"pager\"><a href=\"") else {
            break;
        };
        let rest = &page.body[i + "<p class=\"pager\"><a href=\"".len()..];
        at = rest[..rest.find('"').unwrap()].replace("&#38;", "&");
    }
    assert_eq!(shown, expected, "every event once, newest first");
}

#[tokio::test]
async fn the_chain_is_shown_verified_then_broken_where_a_row_was_edited() {
    let (s, _) = with_history().await;
    let mut v = Visitor::signed_in(&s, "rita", Role::Reviewer).await;
    let (status, verify) = s.get("/v1/audit/verify").await;
    assert_eq!(status, 200);
    assert_eq!(verify["ok"], true);
    let all = rest_events(&s, "").await;
    let head = all.last().unwrap();
    let page = v.get("/audit").await;
    assert!(
        page.body.contains(&format!(
            "Chain verified: {} events, head #{} <code class=\"mono\">{}</code>",
            verify["events"],
            head["seq"],
            head["hash"].as_str().unwrap()
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Chain broken"));

    // Someone edits an actor in the store behind Warden's back.
    let edited = all[all.len() / 2]["seq"].as_i64().unwrap();
    let pool = SqlitePool::connect(&format!(
        "sqlite://{}",
        s.dir.path().join("warden.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("UPDATE audit SET actor = 'mallory' WHERE seq = $1")
        .bind(edited)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (_, verify) = s.get("/v1/audit/verify").await;
    assert_eq!(verify["ok"], false);
    let first = &verify["breaks"][0];
    assert_eq!(first["seq"], edited);
    let page = v.get("/audit").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Chain broken"), "{}", page.body);
    assert!(!page.body.contains("Chain verified"));
    let problem = first["problem"].as_str().unwrap();
    assert!(
        page.body.contains(&format!(
            "First broken link: event #{edited}: {}",
            escape(problem)
        )),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_exports_are_rests_files_with_the_pages_filters() {
    let (s, ids) = with_history().await;
    let mut v = Visitor::signed_in(&s, "rita", Role::Reviewer).await;
    let all = rest_events(&s, "").await;
    let day = all.last().unwrap()["at"].as_str().unwrap()[..10].to_string();
    let page = v.get(&format!("/audit?request={}", ids[0])).await;
    // The page's buttons carry its filters.
    for ext in ["jsonl", "csv"] {
        assert!(
            page.body.contains(&format!(
                "href=\"/audit/export.{ext}?kind=&#38;actor=&#38;request={}&#38;since=&#38;until=\"",
                ids[0]
            )),
            "{}",
            page.body
        );
    }
    for (page_query, rest_query) in [
        (String::new(), String::new()),
        ("kind=created".to_string(), "kind=created".to_string()),
        (format!("request={}", ids[0]), format!("request={}", ids[0])),
        ("actor=maya".to_string(), "actor=maya".to_string()),
        (
            format!("since={day}&until={day}"),
            format!("since={day}&until={day}"),
        ),
    ] {
        for format in ["jsonl", "csv"] {
            let rest = s
                .client
                .get(format!("{}/v1/audit?format={format}&{rest_query}", s.base))
                .bearer_auth(&s.token)
                .send()
                .await
                .unwrap();
            assert_eq!(rest.status(), 200);
            let rest_type = rest.headers()["content-type"].clone();
            let rest_text = rest.text().await.unwrap();
            let got = v.get(&format!("/audit/export.{format}?{page_query}")).await;
            assert_eq!(got.status, 200, "{}", got.body);
            assert_eq!(got.body, rest_text, "{format} {page_query}");
            let expected = rest_events(&s, &rest_query).await;
            match format {
                "jsonl" => {
                    let lines: Vec<Value> = got
                        .body
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect();
                    assert_eq!(lines, expected);
                }
                _ => {
                    assert_eq!(
                        got.body.lines().next().unwrap(),
                        warden::audit::CSV_COLUMNS.join(",")
                    );
                    assert!(rest_type.to_str().unwrap().starts_with("text/csv"));
                    // Fields with commas and quotes are quoted: one record per event.
                    assert!(
                        expected.is_empty() || got.body.contains(r#"\""quoted\"""#),
                        "{page_query}: {}",
                        got.body
                    );
                }
            }
        }
    }
    // The actor filter keeps only that actor's events in the file.
    let got = v.get("/audit/export.jsonl?actor=maya").await;
    assert_eq!(got.status, 200);
    let lines: Vec<Value> = got
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|e| e["actor"] == "maya"), "{lines:?}");
}

#[tokio::test]
async fn a_requester_is_refused_the_log_as_rest_refuses_it() {
    let (s, _) = with_history().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let (status, rest) = s.get_as(&maya, "/v1/audit").await;
    assert_eq!(status, 403);
    let message = rest["error"]["message"].as_str().unwrap();
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    for path in [
        "/audit",
        "/audit/export.jsonl",
        "/audit/export.csv?kind=created",
    ] {
        let page = v.get(path).await;
        assert_eq!(page.status, status, "{path}: {}", page.body);
        assert!(
            page.body.contains(&escape(message)),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("event-"), "{path}");
    }
    // Nor is the menu offering it.
    assert!(!v.get("/requests").await.body.contains("href=\"/audit\""));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn next_day(day: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    (d + chrono::Days::new(1)).format("%Y-%m-%d").to_string()
}

fn prev_day(day: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    (d - chrono::Days::new(1)).format("%Y-%m-%d").to_string()
}
