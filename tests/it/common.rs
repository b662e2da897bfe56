//! Helpers shared by the test modules: building an `Access` from JSON, calling tools.

#![allow(dead_code)]

use serde_json::Value;
use warden::access::Access;

/// The graph and index for a snapshot document given as JSON.
pub fn access_from(doc: Value) -> Access {
    let conns = warden::snapshot::parse_value(doc).expect("snapshot is valid");
    Access::build(conns).expect("access builds")
}

/// The demo organisation.
pub fn demo() -> Access {
    Access::build(warden::demo::connections().expect("demo is valid")).expect("access builds")
}

/// Calls a tool and returns its result, or the error document.
pub fn call(access: &Access, tool: &str, args: Value) -> Result<Value, Value> {
    warden::tools::call(access, tool, args).map_err(|e| serde_json::to_value(e.document()).unwrap())
}

/// The path texts of a check_access result.
pub fn path_texts(result: &Value) -> Vec<String> {
    let mut v: Vec<String> = result["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// The caveat codes of a check_access result.
pub fn caveat_codes(result: &Value) -> Vec<String> {
    let mut v: Vec<String> = result["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The app in `dir` over the demo organisation, with maya (a requester) as a person, and her.
pub async fn demo_app_with_maya(
    dir: &std::path::Path,
) -> (warden::app::App, warden::people::Principal) {
    let app = warden::app::App::open(dir).await.unwrap();
    app.import(warden::demo::connections().unwrap())
        .await
        .unwrap();
    let maya = app
        .people
        .add_person(
            "maya",
            warden::people::Role::Requester,
            Some("maya@acme.test"),
        )
        .await
        .unwrap();
    (app, warden::people::Principal::person(maya))
}

/// A request on a live connection, approved and provisioned by the job runner, ready to expire.
pub struct Provisioned {
    pub app: warden::app::App,
    pub clock: std::sync::Arc<warden::requests::clock::ManualClock>,
    pub request: warden::requests::AccessRequest,
    _dir: tempfile::TempDir,
}

/// The whole cycle up to the grant, as people and the job runner drive it: an app over the
/// config `text` (jobs retried after 1 s) on a manual clock, its connections synced; a person
/// with `email` asks for SELECT on `resource` for a week; carol approves it with `approval`
/// (`{}`: the requester's own identity); the due jobs run. The stored request comes back.
pub async fn provisioned(text: &str, email: &str, resource: &str, approval: Value) -> Provisioned {
    use warden::people::{Principal, Role};
    use warden::requests::{NewRequest, Status};
    let text = format!("{text}\n[jobs]\nbackoff = \"1s\"\nmax_attempts = 2\n");
    let config = warden::config::Config::parse(&text, |_| None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(warden::requests::clock::ManualClock::new(chrono::Utc::now()));
    let app = warden::app::App::open_with(dir.path(), config)
        .await
        .unwrap()
        .with_clock(clock.clone());
    let synced = warden::sync::sync(&app, None).await.unwrap();
    assert!(
        synced.iter().all(|r| r.ok),
        "the platform syncs: {synced:?}"
    );
    let person = |name: &'static str, role, email: Option<&str>| {
        let app = app.clone();
        let email = email.map(str::to_owned);
        async move {
            Principal::person(
                app.people
                    .add_person(name, role, email.as_deref())
                    .await
                    .unwrap(),
            )
        }
    };
    let requester = person("requester", Role::Requester, Some(email)).await;
    let carol = person("carol", Role::Reviewer, None).await;
    let access = app.access.load();
    let input = NewRequest {
        resources: vec![resource.into()],
        privileges: vec!["select".into()],
        duration: Some("1w".into()),
        ..NewRequest::default()
    };
    let req = app
        .requests
        .create(&access, &requester, input, None)
        .await
        .unwrap();
    let approval = serde_json::from_value(approval).unwrap();
    let status = app
        .requests
        .approve(&access, &carol, &req.id, approval)
        .await
        .unwrap()
        .status();
    assert_eq!(status, Status::Approved, "Warden provisions it itself");
    assert!(warden::jobs::run_due(&app.requests).await.unwrap() >= 1);
    let (request, _) = app.store.request(&req.id).await.unwrap().unwrap();
    assert_eq!(request.status(), Status::Active, "{request:?}");
    Provisioned {
        app,
        clock,
        request,
        _dir: dir,
    }
}

impl Provisioned {
    /// A week and a second later, the due jobs run: the request as stored then.
    pub async fn expire(&self) -> warden::requests::AccessRequest {
        self.clock
            .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
        warden::jobs::run_due(&self.app.requests).await.unwrap();
        let (stored, _) = self
            .app
            .store
            .request(&self.request.id)
            .await
            .unwrap()
            .unwrap();
        stored
    }
}

/// Whether any job waiting in `store` matches `which`.
pub async fn job_waiting(
    store: &warden::store::Store,
    which: impl Fn(&warden::store::jobs::Job) -> bool,
) -> bool {
    store.pending_jobs().await.unwrap().iter().any(which)
}

/// A loopback port free a moment ago: bound, then let go (for a server the test starts, or
/// as a port nothing listens on).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
