//! Requests filtered by resource (issue 12, item 2): in the store on SQLite and PostgreSQL (the
//! filter is part of the query, so pages stay full and the cursor walks the filtered list), for
//! requests stored before the filter existed, and over REST, the tool and the `/requests` page.

use crate::pages::Visitor;
use crate::server::TestServer;
use crate::store::{Backend, backends};
use serde_json::{Value, json};
use warden::people::Role;
use warden::requests::AccessRequest;
use warden::store::Store;
use warden::store::requests::{RequestFilter, ResourceMatch};

/// A request `id` made at minute `minute`, asking for each `(connection, path)`.
fn asking(id: &str, minute: u32, resources: &[(&str, &[&str])]) -> AccessRequest {
    let resources: Vec<Value> = resources
        .iter()
        .map(|(c, path)| {
            json!({"connection": c, "name": path.join("."), "kind": "table", "path": path})
        })
        .collect();
    let at = format!("2026-01-01T00:{minute:02}:00Z");
    let doc = json!({
        "id": id, "status": "open", "requester": "alice",
        "resources": resources, "privileges": ["SELECT"], "roles": [],
        "drafted_by": {"kind": "person", "person": "alice"},
        "approvals_required": 1, "approvals": [], "grantees": [], "changes": [],
        "manual": false, "auto_approved": false, "revoking": false, "reminded": false,
        "created_at": at, "updated_at": at
    });
    let mut r: AccessRequest = serde_json::from_value(doc).unwrap();
    r.requester_id = "p_alice".into();
    r
}

const ORDERS: &[&str] = &["analytics", "sales", "orders"];
const OTHER_ORDERS: &[&str] = &["Shop", "Sales", "Orders"];
const LEADS: &[&str] = &["prod", "crm", "leads"];
const SALES: &[&str] = &["analytics", "sales"];

/// Forty requests: every third asks for `analytics.sales.orders` on `wh`, every fifth for
/// `Shop.Sales.Orders` on `lake`, the rest for other things; newest last.
fn many() -> Vec<AccessRequest> {
    (0..40)
        .map(|i| {
            let mut rs: Vec<(&str, &[&str])> = vec![("wh", LEADS)];
            if i % 3 == 0 {
                rs.push(("wh", ORDERS));
            }
            if i % 5 == 0 {
                rs.push(("lake", OTHER_ORDERS));
            }
            if i % 7 == 0 {
                rs.push(("wh", SALES));
            }
            asking(&format!("req_{i:02}"), i, &rs)
        })
        .collect()
}

/// Every page of `text`'s list, `page` at a time, newest first: (ids, the size of each page).
async fn walk(store: &Store, text: &str, page: i64) -> (Vec<String>, Vec<usize>) {
    let mut filter = RequestFilter {
        resource: ResourceMatch::parse(text),
        limit: page,
        ..RequestFilter::default()
    };
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    loop {
        let got = store.requests(&filter).await.unwrap();
        sizes.push(got.len());
        ids.extend(got.iter().map(|r| r.id.clone()));
        if (got.len() as i64) < page {
            return (ids, sizes);
        }
        let last = got.last().unwrap();
        filter.before = Some((
            warden::requests::clock::stamp(last.created_at),
            last.id.clone(),
        ));
    }
}

/// What the filter should find among [`many`], newest first, by the rule it documents.
fn expected(text: &str) -> Vec<String> {
    let m = ResourceMatch::parse(text).unwrap();
    let mut out: Vec<String> = many()
        .into_iter()
        .filter(|r| {
            r.resources.iter().any(|res| {
                let name = res.name.to_lowercase();
                let ends = |t: &str| name == t || name.ends_with(&format!(".{t}"));
                let conn = res.connection.to_lowercase();
                ends(&m.name)
                    || m.qualified
                        .as_ref()
                        .is_some_and(|(c, n)| *c == conn && ends(n))
            })
        })
        .map(|r| r.id)
        .collect();
    out.reverse();
    out
}

/// Each backend, holding [`many`].
async fn with_many(dir: &std::path::Path) -> Vec<Backend> {
    let all = backends(dir).await;
    for b in &all {
        for r in many() {
            b.store.insert_request(&r, &[], &[]).await.unwrap();
        }
    }
    all
}

async fn sql(b: &Backend, statement: &'static str) {
    match &b.pg {
        Some(pg) => {
            let pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
            sqlx::query(statement).execute(&pool).await.unwrap();
            pool.close().await;
        }
        None => {
            let url = format!("sqlite://{}", b.dir.join("warden.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(statement).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// The texts a person types and what each must find (checked against [`expected`], whose
/// rule is written out, and by hand for the ones the issue names).
const TYPED: &[&str] = &[
    "sales.orders",
    "SALES.ORDERS",
    "  orders ",
    "analytics.sales.orders",
    "wh/sales.orders",
    "wh:analytics.sales.orders",
    "LAKE/orders",
    "nowhere/sales.orders",
    "ales.orders",
    "analytics",
    "analytics.sales",
    "leads",
    "crm.leads.x",
    "%",
    "_",
    "s%s",
];

#[tokio::test]
async fn the_store_filters_by_resource_before_paging_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    for b in with_many(dir.path()).await {
        let name = b.name;
        // The issue's case: a tail finds the full name, on any connection, in any case.
        let (ids, _) = walk(&b.store, "sales.orders", 100).await;
        let thirds_or_fifths = (0..40).rev().filter(|i| i % 3 == 0 || i % 5 == 0).count();
        assert_eq!(ids.len(), thirds_or_fifths, "{name}");
        let (ids, _) = walk(&b.store, "wh/sales.orders", 100).await;
        assert_eq!(ids.len(), (0..40).filter(|i| i % 3 == 0).count(), "{name}");
        let (ids, _) = walk(&b.store, "ales.orders", 100).await;
        assert!(ids.is_empty(), "{name}: a tail starts at a dot");

        for text in TYPED {
            let want = expected(text);
            for page in [1, 4, 100] {
                let (ids, sizes) = walk(&b.store, text, page).await;
                assert_eq!(ids, want, "{name} {text:?} page {page}");
                // Filtered in the query: every page but the last is full.
                let (last, full) = sizes.split_last().unwrap();
                assert!(
                    full.iter().all(|s| *s as i64 == page) && (*last as i64) < page,
                    "{name} {text:?} page {page}: {sizes:?}"
                );
            }
        }
        b.store.close().await;
    }
}

/// A store whose requests predate the filter (migration 0009 leaves its table empty) fills it
/// when it opens, with the same keys as a request written now.
#[tokio::test]
async fn requests_stored_before_the_filter_are_found_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    for b in with_many(dir.path()).await {
        let name = b.name;
        // A request of roles only: nothing to find it by, and no reason to fail.
        let mut roles = asking("req_roles", 50, &[]);
        roles.roles =
            vec![serde_json::from_value(json!({"connection": "wh", "name": "r"})).unwrap()];
        b.store.insert_request(&roles, &[], &[]).await.unwrap();
        sql(&b, "DELETE FROM request_resources").await;
        let (ids, _) = walk(&b.store, "sales.orders", 100).await;
        assert!(ids.is_empty(), "{name}: as before the migration");

        let again = b.open_again().await;
        for text in TYPED {
            let (ids, _) = walk(&again, text, 7).await;
            assert_eq!(ids, expected(text), "{name} {text:?}");
        }
        // Opening once more adds nothing twice.
        again.close().await;
        let third = b.open_again().await;
        let (ids, _) = walk(&third, "orders", 100).await;
        assert_eq!(ids, expected("orders"), "{name}");
        third.close().await;
        b.store.close().await;
    }
}

/// Over HTTP on the demo: REST's `resource` parameter (in the OpenAPI document too), the
/// `list_access_requests` tool, and the `/requests` page's filter, each paging the filtered list.
#[tokio::test]
async fn rest_the_tool_and_the_page_filter_requests_by_resource() {
    let s = TestServer::start().await;
    let maya = s.token_for("maya", Role::Requester, None).await;
    let mut leads = Vec::new();
    for i in 0..7 {
        let body = if i % 2 == 0 {
            json!({"resources": ["warehouse:crm.leads"], "privileges": ["SELECT"]})
        } else {
            json!({"resources": ["redshift_dw:sales.orders"], "privileges": ["SELECT"]})
        };
        let (status, r) = s.post_as(&maya, "/v1/requests", &body.to_string()).await;
        assert_eq!(status, 201, "{r}");
        if i % 2 == 0 {
            leads.push(r["id"].as_str().unwrap().to_string());
        }
    }
    leads.reverse();

    // REST, two at a time: the four leads requests, newest first, over two full pages.
    let mut got = Vec::new();
    let mut path = "/v1/requests?resource=CRM.Leads&limit=2".to_string();
    let mut pages = 0;
    loop {
        let (status, page) = s.get_as(&maya, &path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        got.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => {
                path = format!(
                    "/v1/requests?resource=CRM.Leads&limit=2&cursor={}",
                    warden::web::page::url_encode(c)
                )
            }
            None => break,
        }
    }
    assert_eq!(got, leads);
    assert_eq!(pages, 2, "four requests two at a time");
    let (_, none) = s
        .get_as(&maya, "/v1/requests?resource=redshift_dw/crm.leads")
        .await;
    assert_eq!(none["items"], json!([]));
    let (_, orders) = s.get_as(&maya, "/v1/requests?resource=sales.orders").await;
    assert_eq!(orders["items"].as_array().unwrap().len(), 3);

    // The OpenAPI document lists the parameter.
    let (_, doc) = s.get("/openapi.json").await;
    let params = doc["paths"]["/v1/requests"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(params.iter().any(|p| p["name"] == "resource"), "{params:?}");

    // The tool, as chat and the CLI call it.
    let (status, r) = s
        .post_as(
            &maya,
            "/v1/tools/list_access_requests",
            &json!({"resource": "prod.crm.leads", "limit": 3}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let ids: Vec<&str> = r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, leads[..3]);
    assert!(r["next_cursor"].is_string());

    // The page.
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let page = v.get("/requests?resource=crm.leads").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for id in &leads {
        assert!(page.body.contains(id.as_str()), "{id}");
    }
    assert!(!page.body.contains("dw.sales.orders"), "{}", page.body);
    let page = v.get("/requests?resource=nothing.like.this").await;
    assert!(page.body.contains("No requests match."));
    // Odd text finds nothing and fails nothing (LIKE's wildcards are not wildcards here).
    for odd in [
        "%",
        "_",
        "“crm.leads”",
        "İ",
        "🦀",
        "crm%leads",
        "/",
        ":",
        "a/b:c",
        "'--",
    ] {
        let e = warden::web::page::url_encode(odd);
        let (status, r) = s.get_as(&maya, &format!("/v1/requests?resource={e}")).await;
        assert_eq!((status, r["items"].clone()), (200, json!([])), "{odd:?}");
        let page = v.get(&format!("/requests?resource={e}")).await;
        assert_eq!(page.status, 200, "{odd:?}");
    }
    // A name longer than any the service keeps is the parameter's error, not a failure.
    let long = "x".repeat(5000);
    let (status, e) = s
        .get_as(&maya, &format!("/v1/requests?resource={long}"))
        .await;
    assert_eq!(
        (status, e["error"]["path"].as_str()),
        (400, Some("resource"))
    );
}
