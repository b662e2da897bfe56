//! `/requests/new` over real HTTP: search-as-you-type from the first letter (the page and its
//! fragment), privileges from each chosen resource's own platform words, creating through the
//! form exactly as REST does, the service's refusals shown on the form with nothing created,
//! CSRF, and hostile input that never fails the page.

use super::{Visitor, csrf_of};
use crate::server::TestServer;
use serde_json::Value;
use std::collections::BTreeSet;
use warden::model::vocabulary;
use warden::model::{Platform, ResourceKind};
use warden::people::Role;
use warden::web::page::url_encode;

/// How many resources and roles the page lists for one query (src/web/search.rs).
const LISTED_RESOURCES: usize = 20;
const LISTED_ROLES: usize = 10;

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
}

/// The distinct `value`s of the `<tag …>` elements named `field` (in order).
fn values(html: &str, tag: &str, field: &str) -> Vec<String> {
    let name = format!("name=\"{field}\"");
    html.split('<')
        .filter(|t| t.starts_with(tag) && t.contains(&name))
        .filter_map(|t| {
            let at = t.find("value=\"")? + "value=\"".len();
            let rest = &t[at..];
            Some(unescape(&rest[..rest.find('"')?]))
        })
        .fold(Vec::new(), |mut out, v| {
            // A choice is kept in both forms of the page: each value once.
            if !out.contains(&v) {
                out.push(v);
            }
            out
        })
}

/// The matches a results list offers to choose, as (field, CONNECTION/NAME).
fn offered(html: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for field in ["resource", "role"] {
        for v in values(html, "button", field) {
            out.insert((field.to_string(), v));
        }
    }
    out
}

/// Whether any word of any of `texts` starts with `prefix` (case-insensitive), as the search
/// splits names into words.
fn starts(texts: &[Option<&str>], prefix: &str) -> bool {
    texts.iter().flatten().any(|t| {
        t.split(|c: char| !c.is_alphanumeric())
            .any(|w| w.to_lowercase().starts_with(prefix))
    })
}

/// From the demo's own snapshot: the resources and the grantable roles a prefix matches.
fn expected(s: &TestServer, prefix: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let access = s.app.access.load();
    let (mut resources, mut roles) = (BTreeSet::new(), BTreeSet::new());
    for c in &access.graph.connections {
        for r in &c.resources {
            if starts(&[Some(&r.name)], prefix) {
                resources.insert(format!("{}/{}", c.name, r.name));
            }
        }
        for i in &c.identities {
            let texts = [
                Some(i.name.as_str()),
                i.email.as_deref(),
                i.display_name.as_deref(),
            ];
            let grantable = ["role", "group", "database_role"].contains(&i.kind.as_str());
            if grantable && starts(&texts, prefix) {
                roles.insert(format!("{}/{}", c.name, i.name));
            }
        }
    }
    (resources, roles)
}

/// The listed matches of `field` are the expected ones: all of them, or as many as the list
/// holds and each one expected.
fn check_listed(
    got: &BTreeSet<(String, String)>,
    field: &str,
    expected: &BTreeSet<String>,
    cap: usize,
    q: &str,
) {
    let listed: BTreeSet<String> = got
        .iter()
        .filter(|(f, _)| f == field)
        .map(|(_, k)| k.clone())
        .collect();
    assert!(
        listed.is_subset(expected),
        "{q:?}: listed {field}s not matching: {:?}",
        listed.difference(expected).collect::<Vec<_>>()
    );
    assert_eq!(
        listed.len(),
        expected.len().min(cap),
        "{q:?}: {field}s listed {listed:?}, expected {expected:?}"
    );
}

#[tokio::test]
async fn a_one_letter_query_lists_matching_resources_and_roles_on_the_page_and_the_fragment() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    for q in ["a", "s", "r", "sa"] {
        let (resources, roles) = expected(&s, q);
        assert!(
            !resources.is_empty() && !roles.is_empty(),
            "the demo has resources and roles for {q:?}"
        );
        let page = v.get(&format!("/requests/new?q={q}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let got = offered(&page.body);
        check_listed(&got, "resource", &resources, LISTED_RESOURCES, q);
        check_listed(&got, "role", &roles, LISTED_ROLES, q);

        // The live search answers the same list, alone (no frame around it).
        let frag = v.get(&format!("/requests/new/search?q={q}")).await;
        assert_eq!(frag.status, 200, "{}", frag.body);
        assert!(!frag.body.contains("<html"), "a fragment, not a page");
        assert_eq!(offered(&frag.body), got, "{q:?}");
    }
    // The search box is wired for search-as-you-type and works as a plain GET form.
    let page = v.get("/requests/new").await;
    for attr in [
        "type=\"search\" name=\"q\"",
        "hx-get=\"/requests/new/search\"",
        "hx-trigger=\"input changed delay:200ms, search\"",
        "hx-target=\"#results\"",
        "id=\"results\"",
        "<form method=\"get\" action=\"/requests/new\"",
    ] {
        assert!(page.body.contains(attr), "{attr} missing");
    }
    // Something already chosen is marked, not offered again; the fragment is told what was chosen.
    let leads = "warehouse/prod.crm.leads";
    let frag = v
        .get(&format!(
            "/requests/new/search?q=leads&resource={}",
            url_encode(leads)
        ))
        .await;
    assert!(
        !offered(&frag.body).contains(&("resource".into(), leads.into())),
        "{}",
        frag.body
    );
    assert!(frag.body.contains("Chosen"));
}

/// A resource of `kind` on the first connection of `platform` in the demo, as CONNECTION/NAME.
fn resource_on(s: &TestServer, platform: Platform, kind: ResourceKind) -> String {
    let access = s.app.access.load();
    let c = access
        .graph
        .connections
        .iter()
        .find(|c| c.platform == platform)
        .unwrap();
    let r = c.resources.iter().find(|r| r.kind == kind).unwrap();
    format!("{}/{}", c.name, r.name)
}

#[tokio::test]
async fn privileges_are_offered_from_each_platforms_own_words() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let cases = [
        (Platform::Postgres, ResourceKind::Table),
        (Platform::Snowflake, ResourceKind::Table),
        (Platform::Bigquery, ResourceKind::Table),
        (Platform::Postgres, ResourceKind::Schema),
    ];
    let mut seen = Vec::new();
    for (platform, kind) in cases {
        let key = resource_on(&s, platform, kind);
        let page = v
            .get(&format!("/requests/new?resource={}", url_encode(&key)))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(values(&page.body, "input", "resource"), [key.as_str()]);
        let offered = values(&page.body, "input", "privilege");
        assert_eq!(
            offered,
            vocabulary::words(platform, kind),
            "{key} ({platform:?} {kind:?})"
        );
        seen.push(offered);
    }
    // The issue's words, literally: a PostgreSQL table offers these and no other platform's.
    for w in [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
    ] {
        assert!(seen[0].iter().any(|o| o == w), "{w}");
    }
    assert!(!seen[0].iter().any(|o| o == "OWNERSHIP" || o == "READER"));
    assert!(seen[1].iter().any(|o| o == "OWNERSHIP") && !seen[1].iter().any(|o| o == "TRIGGER"));
    assert!(seen[2].iter().any(|o| o == "READER") && !seen[2].iter().any(|o| o == "TRIGGER"));
    assert!(seen[3].iter().any(|o| o == "USAGE") && !seen[3].iter().any(|o| o == "SELECT"));

    // Two resources of two platforms: each word once, in the order first offered.
    let pg = resource_on(&s, Platform::Postgres, ResourceKind::Table);
    let sf = resource_on(&s, Platform::Snowflake, ResourceKind::Table);
    let page = v
        .get(&format!(
            "/requests/new?resource={}&resource={}",
            url_encode(&pg),
            url_encode(&sf)
        ))
        .await;
    let offered = values(&page.body, "input", "privilege");
    let mut union: Vec<String> = Vec::new();
    for w in vocabulary::words(Platform::Postgres, ResourceKind::Table)
        .iter()
        .chain(vocabulary::words(Platform::Snowflake, ResourceKind::Table))
    {
        if !union.iter().any(|u| u == w) {
            union.push(w.to_string());
        }
    }
    assert_eq!(offered, union);
}

/// A grantable role on `connection` in the demo.
fn role_on(s: &TestServer, connection: &str) -> String {
    let access = s.app.access.load();
    let (_, c) = access.graph.connection(connection).unwrap();
    let r = c
        .identities
        .iter()
        .find(|i| i.kind.as_str() == "role")
        .unwrap();
    format!("{connection}/{}", r.name)
}

async fn requests_over_rest(s: &TestServer) -> Vec<Value> {
    let (status, list) = s.get("/v1/requests").await;
    assert_eq!(status, 200);
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_form_creates_the_request_rest_shows_drafted_by_the_person() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let leads = "warehouse/prod.crm.leads";
    let role = role_on(&s, "warehouse");
    let form = format!(
        "/requests/new?resource={}&role={}",
        url_encode(leads),
        url_encode(&role)
    );
    let page = v.get(&form).await;
    assert!(super::buttons(&page.body).contains(&"Create request".to_string()));
    let reason = "Q3 pipeline review — “quoted”, İstanbul 🦀";
    let a = v
        .post_from(
            &form,
            "/requests/new",
            &[
                ("resource", leads),
                ("role", &role),
                ("privilege", "SELECT"),
                ("privilege", "INSERT"),
                ("reason", reason),
                ("duration", "3d"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let to = a.location.unwrap();
    let id = to.strip_prefix("/requests/").unwrap();
    assert!(id.starts_with("req_"), "{to}");
    let shown = v.get(&to).await;
    assert_eq!(shown.status, 200, "the request's page: {}", shown.body);
    assert!(shown.body.contains("prod.crm.leads"));

    let (status, r) = s.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["requester"], "maya");
    assert_eq!(r["status"], "open");
    assert_eq!(r["drafted_by"]["kind"], "person");
    assert_eq!(r["resources"][0]["connection"], "warehouse");
    assert_eq!(r["resources"][0]["name"], "prod.crm.leads");
    assert_eq!(r["resources"].as_array().unwrap().len(), 1);
    assert_eq!(r["privileges"], serde_json::json!(["SELECT", "INSERT"]));
    let (rc, rn) = role.split_once('/').unwrap();
    assert_eq!(
        r["roles"],
        serde_json::json!([{"connection": rc, "name": rn}])
    );
    assert_eq!(r["reason"], reason);
    assert_eq!(r["duration"], "3d");
    assert_eq!(requests_over_rest(&s).await.len(), 1);
}

#[tokio::test]
async fn a_refused_form_shows_the_services_error_keeps_the_fields_and_creates_nothing() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let leads = "warehouse/prod.crm.leads";
    let form = format!("/requests/new?resource={}", url_encode(leads));
    let cases: [(&str, &str, &str); 3] = [
        ("SELECT", "7 fortnights", "is not a duration"),
        ("SELEKT", "7d", "did you mean SELECT?"),
        ("SELECT", "0d", "must be positive"),
    ];
    for (privilege, duration, says) in cases {
        let a = v
            .post_from(
                &form,
                "/requests/new",
                &[
                    ("resource", leads),
                    ("privilege", privilege),
                    ("reason", "keep <this> reason"),
                    ("duration", duration),
                ],
            )
            .await;
        assert!(
            a.status == 400 || a.status == 422,
            "{privilege} {duration}: {} {}",
            a.status,
            a.body
        );
        assert!(a.body.contains("role=\"alert\""), "{}", a.body);
        assert!(a.body.contains(says), "{says}: {}", a.body);
        // The fields come back as they were typed.
        assert_eq!(values(&a.body, "input", "resource"), [leads]);
        assert_eq!(values(&a.body, "input", "duration"), [duration]);
        assert!(
            unescape(&a.body).contains(">keep <this> reason</textarea>"),
            "{}",
            a.body
        );
        if privilege == "SELECT" {
            assert!(a.body.contains("value=\"SELECT\" checked"), "{}", a.body);
        }
    }
    // Nothing chosen at all: the service's own sentence.
    let a = v
        .post_from("/requests/new", "/requests/new", &[("reason", "x")])
        .await;
    assert_eq!(a.status, 400);
    assert!(
        a.body.contains("at least one resource or role"),
        "{}",
        a.body
    );
    assert!(requests_over_rest(&s).await.is_empty(), "nothing created");
}

#[tokio::test]
async fn a_post_without_this_sessions_csrf_token_creates_nothing() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let fields = [
        ("resource", "warehouse/prod.crm.leads"),
        ("privilege", "SELECT"),
        ("duration", "7d"),
    ];
    let a = v.post("/requests/new", &fields).await;
    assert_eq!(a.status, 403, "{}", a.body);
    let mut forged = vec![("csrf", "0123456789abcdef")];
    forged.extend_from_slice(&fields);
    assert_eq!(v.post("/requests/new", &forged).await.status, 403);
    // Another person's session token in this session's form.
    let mut other = Visitor::signed_in(&s, "tom", Role::Requester).await;
    let theirs = csrf_of(&other.get("/requests/new").await.body).unwrap();
    let mut crossed = vec![("csrf", theirs.as_str())];
    crossed.extend_from_slice(&fields);
    assert_eq!(v.post("/requests/new", &crossed).await.status, 403);
    // Not signed in at all.
    let mut nobody = Visitor::new(&s.base);
    assert_eq!(nobody.post("/requests/new", &fields).await.status, 401);
    assert!(requests_over_rest(&s).await.is_empty(), "nothing created");
}

#[tokio::test]
async fn hostile_input_never_fails_the_page() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let long = "a".repeat(4000);
    let long_word = "orders ".repeat(600);
    let hostile = [
        "“orders”",
        "‘sales’",
        "İ",
        "İstanbul",
        "🦀",
        "🦀🦀 orders",
        long.as_str(),
        long_word.as_str(),
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%",
        "*",
        "a/b/c",
        "warehouse:",
        ":",
        "\u{0}",
        "\u{202e}",
        " ",
    ];
    for q in hostile {
        let e = url_encode(q);
        for path in [
            format!("/requests/new?q={e}"),
            format!("/requests/new/search?q={e}"),
            format!("/requests/new?resource={e}&role={e}&privilege={e}&duration={e}"),
        ] {
            let a = v.get(&path).await;
            assert!(
                a.status == 200 || a.status == 400,
                "{q:?} {path}: {} {}",
                a.status,
                a.body
            );
            assert!(!a.body.contains("<script>alert"), "escaped: {q:?}");
        }
        let a = v
            .post_from(
                "/requests/new",
                "/requests/new",
                &[
                    ("resource", q),
                    ("role", q),
                    ("privilege", q),
                    ("reason", q),
                    ("duration", q),
                ],
            )
            .await;
        assert!(
            (400..500).contains(&a.status),
            "{q:?}: {} {}",
            a.status,
            a.body
        );
        assert!(!a.body.contains("<script>alert"), "escaped: {q:?}");
    }
    assert!(requests_over_rest(&s).await.is_empty(), "nothing created");
}

/// Roles are listed even when a query matches far more users than the search returns at once
/// (every user of a large organisation has an email with a word starting `a`, `acme`): the roles
/// are not crowded out of the list by the users before them.
#[tokio::test]
async fn roles_are_listed_when_users_crowd_the_search() {
    let s = TestServer::start().await;
    let mut identities: Vec<Value> = (0..300)
        .map(|i| {
            serde_json::json!({"name": format!("user{i}"), "kind": "user",
                               "email": format!("user{i}@acme.test")})
        })
        .collect();
    for name in ["aardvark_readers", "alpha_writers", "zeta"] {
        identities.push(serde_json::json!({"name": name, "kind": "role"}));
    }
    let snapshot = serde_json::json!({
        "version": 1, "taken_at": "2026-11-26T12:00:00Z",
        "connections": [{"name": "crowd", "platform": "postgres", "identities": identities,
                         "resources": [], "memberships": [], "grants": []}]
    });
    let conns = warden::snapshot::parse_str(&snapshot.to_string()).unwrap();
    s.app.import(conns).await.unwrap();
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let (_, roles) = expected(&s, "a");
    assert!(roles.contains("crowd/aardvark_readers") && roles.len() > LISTED_ROLES);
    for path in ["/requests/new?q=a", "/requests/new/search?q=a"] {
        let got = offered(&v.get(path).await.body);
        check_listed(&got, "role", &roles, LISTED_ROLES, "a");
    }
    // Whatever else is listed, a role whose own name starts so is among the first.
    let got = offered(&v.get("/requests/new?q=aa").await.body);
    assert!(
        got.contains(&("role".into(), "crowd/aardvark_readers".into())),
        "{got:?}"
    );
}
