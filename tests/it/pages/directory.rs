//! The directory pages over real HTTP: identities and resources listed and paged, an identity's
//! memberships up and down and its access with paths, a resource's holders as `who_has_access`
//! answers them, admins linking people, odd and hostile names shown as text and linked so that
//! they round-trip, and `/people` (its tokens and forms for admins only).

use super::{Visitor, buttons};
use crate::server::TestServer;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use warden::model::{IdentityId, IdentityKind};
use warden::people::Role;

/// Text as askama writes it into HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Every `href` on a page that starts with `prefix`, as a browser reads it (entities decoded).
fn links(html: &str, prefix: &str) -> Vec<String> {
    let needle = format!("href=\"{prefix}");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + 6..];
            rest[..rest.find('"').unwrap()].replace("&#38;", "&")
        })
        .collect()
}

/// The link with `rel="next"` on a page, if any.
fn next_link(html: &str) -> Option<String> {
    let at = html.find("\" rel=\"next\"")?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(html[start..at].replace("&#38;", "&"))
}

/// The part of a page from the element with `id` to the end of its section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page:\n{html}"));
    let rest = &html[at..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn identity_href(conn: &str, name: &str) -> String {
    format!("/identities/{}/{}", enc(conn), enc(name))
}

fn resource_href(conn: &str, name: &str) -> String {
    format!("/resources/{}/{}", enc(conn), enc(name))
}

/// A user of the demo that holds some access through a role of a role (a path of two
/// memberships), from the app's own graph: (connection, user, role it is directly in).
fn user_with_nested_access(s: &TestServer) -> (String, String) {
    let access = s.app.access.load();
    for c in &access.graph.connections {
        for (i, id) in c.identities.iter().enumerate() {
            if id.kind != IdentityKind::User {
                continue;
            }
            let held = c.list_access(IdentityId::new(i as u32));
            let nested = held
                .entries
                .iter()
                .flat_map(|e| &e.paths)
                .any(|p| p.text.matches(" → ").count() >= 3);
            if nested && c.direct_roles(IdentityId::new(i as u32)).count() > 0 {
                return (c.name.clone(), id.name.clone());
            }
        }
    }
    panic!("the demo has no user with access through nested roles");
}

/// `list_access` as REST answers it.
async fn list_access(s: &TestServer, conn: &str, name: &str) -> Value {
    let (status, body) = s
        .post(
            "/v1/tools/list_access",
            &json!({"identity": name, "connection": conn}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn an_identity_page_shows_memberships_up_and_down_and_access_with_paths() {
    let s = TestServer::start().await;
    let (conn, user) = user_with_nested_access(&s);
    let mut v = Visitor::signed_in(&s, "rhea", Role::Reviewer).await;
    let page = v.get(&identity_href(&conn, &user)).await;
    assert_eq!(page.status, 200, "{}", page.body);

    // Up: every role get_identity reports, linked to its page.
    let (_, about) = s
        .get(&format!("/v1/identities/{}?connection={conn}", enc(&user)))
        .await;
    let roles = about["identities"][0]["roles"].as_array().unwrap();
    assert!(!roles.is_empty());
    let up = section(&page.body, "member-of");
    for r in roles {
        let name = r["name"].as_str().unwrap();
        assert!(
            up.contains(&format!("href=\"{}\"", identity_href(&conn, name))),
            "{name} missing from member-of:\n{up}"
        );
        assert!(up.contains(&esc(r["via"].as_str().unwrap())), "{r}");
    }

    // Access: every entry list_access reports (the demo's fit on a page), each with a path.
    let held = list_access(&s, &conn, &user).await;
    let entries = held["access"].as_array().unwrap();
    assert!(!entries.is_empty() && entries.len() <= 100);
    let shown = section(&page.body, "access");
    for e in entries {
        let path = e["paths"][0]["text"].as_str().unwrap();
        assert!(shown.contains(&esc(path)), "{path} missing:\n{shown}");
    }
    let nested = entries
        .iter()
        .flat_map(|e| e["paths"].as_array().unwrap())
        .map(|p| p["text"].as_str().unwrap())
        .find(|t| t.matches(" → ").count() >= 3)
        .unwrap();
    assert!(shown.contains(&esc(nested)));

    // Down: the user's first role lists the user among its members, linked back.
    let role = roles.iter().find(|r| r["direct"] == true).unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    let role_page = v.get(&identity_href(&conn, &role)).await;
    assert_eq!(role_page.status, 200, "{}", role_page.body);
    let down = section(&role_page.body, "members");
    assert!(
        down.contains(&format!("href=\"{}\"", identity_href(&conn, &user))),
        "{user} missing from {role}'s members:\n{down}"
    );

    // No such identity: a page that says so.
    let missing = v.get(&identity_href(&conn, "nobody-at-all")).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(missing.body.contains("nobody-at-all"));
}

#[tokio::test]
async fn a_resource_page_lists_who_has_access_as_the_api_does() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    // A resource held by several identities, from the app's own listing.
    let (_, all) = s.get("/v1/resources?limit=1000").await;
    let mut checked = 0;
    for r in all["items"].as_array().unwrap().iter().take(40) {
        let (conn, name) = (
            r["connection"].as_str().unwrap(),
            r["name"].as_str().unwrap(),
        );
        let (status, who) = s
            .get(&format!("/v1/resources/{}?connection={conn}", enc(name)))
            .await;
        assert_eq!(status, 200, "{who}");
        let page = v.get(&resource_href(conn, name)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let holders = section(&page.body, "who-has-access");
        let grantees = who["grantees"].as_array().unwrap();
        for g in grantees {
            let id = g["identity"].as_str().unwrap();
            if g["kind"] != "public" {
                assert!(
                    holders.contains(&format!("href=\"{}\"", identity_href(conn, id))),
                    "{id} missing on {name}:\n{holders}"
                );
            }
            let path = g["paths"][0]["text"].as_str().unwrap();
            assert!(holders.contains(&esc(path)), "{path} missing on {name}");
        }
        // Nobody else is listed: as many identity links as the API's non-public grantees.
        let shown = links(holders, "/identities/").len();
        let expected = grantees.iter().filter(|g| g["kind"] != "public").count();
        assert_eq!(shown, expected, "{name}");
        assert!(holders.contains(&format!("{} in all", who["total"])));
        assert!(
            page.body.contains(&format!(
                "href=\"/requests/new?resource={}\"",
                enc(&format!("{conn}/{name}"))
            )),
            "a link to request it"
        );
        checked += usize::from(!grantees.is_empty());
    }
    assert!(checked > 5, "only {checked} resources had holders");
}

/// Every identity link of a listing, following its "Next page" links from `first`; and how
/// many pages there were.
async fn all_pages(v: &mut Visitor, first: &str) -> (Vec<String>, usize) {
    let mut found = Vec::new();
    let mut at = Some(first.to_string());
    let mut pages = 0;
    while let Some(path) = at {
        let page = v.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let table = &page.body[page.body.find("<table").unwrap_or(0)..];
        found.extend(links(table, "/identities/"));
        found.extend(links(table, "/resources/"));
        at = next_link(&page.body);
        pages += 1;
    }
    (found, pages)
}

#[tokio::test]
async fn listings_page_through_everything_once_and_filter() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;

    // Identities: the pages differ and together are the whole REST listing, each once.
    let first = v.get("/identities").await;
    let second = v.get(&next_link(&first.body).expect("a second page")).await;
    assert_ne!(
        links(&first.body, "/identities/"),
        links(&second.body, "/identities/")
    );
    let (paged, pages) = all_pages(&mut v, "/identities").await;
    assert!(pages >= 2);
    let (_, rest) = s.get("/v1/identities?limit=1000").await;
    let expected: Vec<String> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            identity_href(
                i["connection"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(paged, expected);

    // Filtered by connection, kind and a piece of the name, any case.
    let some_role = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] != "user")
        .unwrap();
    let conn = some_role["connection"].as_str().unwrap().to_string();
    let kind = some_role["kind"].as_str().unwrap().to_string();
    let (roles, _) = all_pages(
        &mut v,
        &format!("/identities?connection={conn}&kind={kind}"),
    )
    .await;
    let expected: Vec<String> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["connection"] == conn.as_str() && i["kind"] == kind.as_str())
        .map(|i| identity_href(&conn, i["name"].as_str().unwrap()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(roles, expected);
    let (named, _) = all_pages(&mut v, "/identities?q=ALI").await;
    let has = |i: &Value, f: &str| {
        i[f].as_str()
            .is_some_and(|t| t.to_lowercase().contains("ali"))
    };
    let expected: Vec<String> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| has(i, "name") || has(i, "email") || has(i, "display_name"))
        .map(|i| {
            identity_href(
                i["connection"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(named, expected);
    let bad = v.get("/identities?kind=wizard").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("wizard"), "{}", bad.body);

    // Resources: the same.
    let (paged, _) = all_pages(&mut v, "/resources").await;
    let (_, rest) = s.get("/v1/resources?limit=1000").await;
    let expected: Vec<String> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            resource_href(
                i["connection"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(paged, expected);
    let (tables, _) = all_pages(&mut v, "/resources?kind=table&q=LEADS").await;
    assert!(!tables.is_empty());
    assert!(tables.iter().all(|h| h.contains("leads")), "{tables:?}");
}

/// A connection `odd` whose names need escaping and encoding: a user named with a slash, spaces
/// and `?#%`, in a role named `<script>…`, which holds SELECT on 150 tables.
fn odd_snapshot() -> Value {
    let tables: Vec<Value> = (0..150)
        .map(|i| json!({"kind": "table", "name": format!("s.t{i:03}")}))
        .collect();
    let grants: Vec<Value> = (0..150)
        .map(
            |i| json!({"grantee": SCRIPT, "privilege": "SELECT", "resource": format!("s.t{i:03}")}),
        )
        .collect();
    json!({
        "version": 1,
        "connections": [{
            "name": "odd", "platform": "postgres",
            "identities": [{"name": ODD_USER, "kind": "user"}, {"name": SCRIPT, "kind": "role"}],
            "memberships": [{"member": ODD_USER, "role": SCRIPT}],
            "resources": tables,
            "grants": grants
        }]
    })
}

const SCRIPT: &str = "<script>alert(1)</script>";
const ODD_USER: &str = "dana smith/ops ?#%20 'x\"";

#[tokio::test]
async fn hostile_and_odd_names_are_text_and_their_links_round_trip() {
    let s = TestServer::start().await;
    let (status, body) = s.post("/v1/import", &odd_snapshot().to_string()).await;
    assert_eq!(status, 200, "{body}");
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;

    // The listing links the user; the link, followed, is the user's page.
    let list = v.get("/identities?connection=odd").await;
    assert!(!list.body.contains(SCRIPT), "a role name is never markup");
    assert!(list.body.contains(&esc(SCRIPT)));
    let user_link = identity_href("odd", ODD_USER);
    assert!(links(&list.body, "/identities/").contains(&user_link));
    let page = v.get(&user_link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("<h1>{}</h1>", esc(ODD_USER))));
    assert!(!page.body.contains(SCRIPT));
    assert!(page.body.contains(&esc(SCRIPT)));
    // Typed by hand with the slash left bare, the address still names the whole name.
    let bare = format!("/identities/odd/{}", enc(ODD_USER).replace("%2F", "/"));
    assert!(bare.contains("smith/ops"));
    let typed = v.get(&bare).await;
    assert_eq!(typed.status, 200, "{}", typed.body);
    assert!(typed.body.contains(&format!("<h1>{}</h1>", esc(ODD_USER))));

    // The role's link round-trips too, and its page escapes it.
    let role_link = identity_href("odd", SCRIPT);
    assert!(links(&page.body, "/identities/").contains(&role_link));
    let role = v.get(&role_link).await;
    assert_eq!(role.status, 200, "{}", role.body);
    assert!(role.body.contains(&format!("<h1>{}</h1>", esc(SCRIPT))));
    assert!(!role.body.contains(SCRIPT));
    assert!(links(&role.body, "/identities/").contains(&user_link));

    // 150 accesses: pages of 100 that differ, together the whole of list_access.
    let held = list_access(&s, "odd", ODD_USER).await;
    let all: BTreeSet<String> = held["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| resource_href("odd", e["resource"].as_str().unwrap()))
        .collect();
    assert_eq!(all.len(), 150);
    let first: Vec<String> = links(section(&page.body, "access"), "/resources/");
    let more = next_link(section(&page.body, "access")).expect("a second page of access");
    let second_page = v.get(&more).await;
    assert_eq!(second_page.status, 200, "{}", second_page.body);
    let second: Vec<String> = links(section(&second_page.body, "access"), "/resources/");
    assert_eq!((first.len(), second.len()), (100, 50));
    let union: BTreeSet<String> = first.iter().chain(&second).cloned().collect();
    assert_eq!(union, all, "the pages differ and together are everything");
    assert!(
        section(&page.body, "access")
            .contains(&esc(&format!("{ODD_USER} → {SCRIPT} → SELECT on s.t000")))
    );
    // Past the end (a hand-typed offset): the last page, not an empty one.
    let far = v.get(&format!("{user_link}?access=100000")).await;
    assert_eq!(far.status, 200, "{}", far.body);
    assert_eq!(links(section(&far.body, "access"), "/resources/"), second);

    // The tool pages the same way: a slice of the whole, in order, with the total.
    let (status, slice) = s
        .post(
            "/v1/tools/list_access",
            &json!({"identity": ODD_USER, "connection": "odd", "offset": 140, "limit": 20})
                .to_string(),
        )
        .await;
    assert_eq!(status, 200, "{slice}");
    assert_eq!(slice["total"], 150);
    assert_eq!(
        slice["access"].as_array().unwrap()[..],
        held["access"].as_array().unwrap()[140..]
    );

    // A resource page of the odd connection links its holders back.
    let t = v.get(&resource_href("odd", "s.t007")).await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(links(&t.body, "/identities/").contains(&user_link));
    assert!(links(&t.body, "/identities/").contains(&role_link));
}

#[tokio::test]
async fn admins_link_and_unlink_people_and_nobody_else_can() {
    let s = TestServer::start().await;
    let (conn, user) = user_with_nested_access(&s);
    s.token_for("pat", Role::Requester, None).await;
    let pat = s.app.people.person("pat").await.unwrap();
    let page = identity_href(&conn, &user);
    let linked = || async {
        s.app
            .people
            .links(&pat)
            .await
            .unwrap()
            .iter()
            .any(|l| l.connection == conn && l.identity == user)
    };
    assert!(!linked().await);

    // A reviewer sees who is linked but no form; a forged post with their own valid CSRF token
    // is refused by the service and changes nothing.
    let mut rev = Visitor::signed_in(&s, "rhea", Role::Reviewer).await;
    let seen = rev.get(&page).await;
    assert!(seen.body.contains("id=\"people\""));
    assert!(
        !buttons(&seen.body)
            .iter()
            .any(|b| b == "Link" || b == "Unlink")
    );
    let forged = rev
        .post_from(&page, &page, &[("person", "pat"), ("action", "link")])
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(!linked().await);
    // A requester does not even see who is linked.
    let mut req = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let seen = req.get(&page).await;
    assert_eq!(seen.status, 200);
    assert!(!seen.body.contains("id=\"people\""));
    let forged = req
        .post_from(&page, &page, &[("person", "pat"), ("action", "link")])
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(!linked().await);

    // The admin links, and the page shows it; then unlinks.
    let mut admin = Visitor::signed_in(&s, "ada", Role::Admin).await;
    let before = admin.get(&page).await;
    let labels = buttons(&before.body);
    assert!(labels.iter().any(|b| b == "Link") && labels.iter().any(|b| b == "Unlink"));
    let done = admin
        .post_from(&page, &page, &[("person", "pat"), ("action", "link")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(page.as_str()));
    assert!(linked().await);
    let after = admin.get(&page).await;
    assert!(section(&after.body, "people").contains("pat"));
    let done = admin
        .post_from(&page, &page, &[("person", "pat"), ("action", "unlink")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(!linked().await);

    // Without the CSRF token nothing happens, even for the admin.
    let bare = admin
        .post(&page, &[("person", "pat"), ("action", "link")])
        .await;
    assert_eq!(bare.status, 403);
    assert!(!linked().await);
    // An unknown person is named.
    let unknown = admin
        .post_from(
            &page,
            &page,
            &[("person", "zed-nobody"), ("action", "link")],
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body.contains("zed-nobody"));
}

#[tokio::test]
async fn the_people_page_is_for_admins_and_manages_people_and_tokens() {
    let s = TestServer::start().await;
    // Reviewers see the people (as `GET /v1/people` shows them) but no token and no form;
    // requesters are refused; the forged forms of both change nothing.
    for (name, role, status) in [
        ("rhea", Role::Reviewer, 200),
        ("maya", Role::Requester, 403),
    ] {
        let mut v = Visitor::signed_in(&s, name, role).await;
        let page = v.get("/people").await;
        assert_eq!(page.status, status, "{name}: {}", page.body);
        assert!(!page.body.contains("id=\"tokens\""), "{name} sees no token");
        assert!(
            !page.body.contains("action=\"/people"),
            "{name} sees no form"
        );
        let forged = v
            .post_from(
                "/requests",
                "/people",
                &[("name", "mallory"), ("role", "admin")],
            )
            .await;
        assert_eq!(forged.status, 403, "{name}: {}", forged.body);
        let forged = v
            .post_from("/requests", "/people/tokens", &[("person", "admin")])
            .await;
        assert_eq!(forged.status, 403, "{name}: {}", forged.body);
    }
    assert!(s.app.store.find_person("mallory").await.unwrap().is_none());
    let tokens_before = s.app.store.tokens().await.unwrap().len();

    let mut admin = Visitor::signed_in(&s, "ada", Role::Admin).await;
    let page = admin.get("/people").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let people = section(&page.body, "people");
    for p in s.app.store.people().await.unwrap() {
        assert!(people.contains(&esc(&p.name)), "{} missing", p.name);
    }
    // maya's automatic links (by email) are listed, linked to the identity pages.
    let maya = s.app.people.person("maya").await.unwrap();
    for l in s.app.people.links(&maya).await.unwrap() {
        assert!(people.contains(&identity_href(&l.connection, &l.identity)));
    }

    // Add a person, make them a token: the secret is on the answer once, and works.
    let added = admin
        .post_from(
            "/people",
            "/people",
            &[
                ("name", "newbie"),
                ("email", "newbie@acme.test"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let newbie = s.app.people.person("newbie").await.unwrap();
    assert_eq!(newbie.role, Role::Reviewer);
    let made = admin
        .post_from("/people", "/people/tokens", &[("person", "newbie")])
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find("id=\"token-secret\">").unwrap() + "id=\"token-secret\">".len();
    let secret = &made.body[at..at + made.body[at..].find('<').unwrap()];
    assert!(secret.starts_with("wdn_"), "{secret}");
    let (status, _) = s.get_as(secret, "/v1/requests").await;
    assert_eq!(status, 200, "the new token works");
    let again = admin.get("/people").await;
    assert!(!again.body.contains(secret), "a secret is shown once");
    assert_eq!(s.app.store.tokens().await.unwrap().len(), tokens_before + 2);

    // Revoke it: listed as revoked, and it stops working.
    let id = s
        .app
        .store
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.person == "newbie")
        .unwrap()
        .id;
    assert!(section(&again.body, "tokens").contains(&id));
    let revoked = admin
        .post_from("/people", "/people/tokens/revoke", &[("id", &id)])
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let r = s
        .client
        .get(format!("{}/v1/requests", s.base))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a revoked token is refused");
    let twice = admin
        .post_from("/people", "/people/tokens/revoke", &[("id", &id)])
        .await;
    assert_eq!(twice.status, 404);

    // A taken name is named, and nothing is added.
    let taken = admin
        .post_from("/people", "/people", &[("name", "newbie")])
        .await;
    assert_eq!(taken.status, 400, "{}", taken.body);
    assert!(taken.body.contains("newbie"));
}
