//! Single sign-on against a real OpenID provider on loopback: npm's `oidc-provider`
//! (tests/oidc/provider.mjs) with its development sign-in pages. A browser signs in through it
//! and lands on `/requests` with the role the provider's groups give, then signs out; a browser
//! is refused a forged state, a nonce that is not its own and another client's code; a client
//! that keeps its own cookies goes through the same and more: an expired code, an email no
//! person has, an unverified one, a domain `auto_create` does not admit.

use crate::browser::Browser;
use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use warden::app::App;
use warden::people::Role;

/// The directory whose `node_modules` holds `oidc-provider`, as .ci/run installs it.
fn provider_dir() -> PathBuf {
    match std::env::var_os("WARDEN_OIDC_PROVIDER_DIR") {
        Some(dir) => dir.into(),
        None => crate::pg::cache_dir("warden-oidc").unwrap_or_else(|e| panic!("{e}")),
    }
}

/// The version the tests are written against.
const PACKAGE: &str = "oidc-provider@9.13.3";

/// `oidc-provider`'s directory: found in the cache, else fetched there with npm (once, said on
/// stderr), else the test fails with the command that installs it.
fn provider_dir_or_fetch() -> PathBuf {
    static ONCE: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let found = ONCE.get_or_init(|| {
        let dir = provider_dir();
        let installed =
            |d: &std::path::Path| d.join("node_modules/oidc-provider/package.json").is_file();
        if installed(&dir) {
            return Ok(dir);
        }
        let install = format!("npm install --prefix {} {PACKAGE}", dir.display());
        eprintln!(
            "warden tests: fetching {PACKAGE} into {} (once)",
            dir.display()
        );
        // Into a directory of this process's own, then renamed into place.
        let partial = dir.with_extension(format!("partial-{}", std::process::id()));
        let fetched = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&partial)
            .arg(PACKAGE)
            .status()
            .is_ok_and(|s| s.success());
        if fetched && installed(&partial) {
            if let Some(parent) = dir.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if std::fs::rename(&partial, &dir).is_err() {
                let _ = std::fs::remove_dir_all(&partial);
            }
        }
        if installed(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "no {PACKAGE}, and npm could not fetch it: {install}"
            ))
        }
    });
    found.clone().unwrap_or_else(|e| panic!("{e}"))
}

/// The provider's accounts: login -> claims.
fn accounts() -> Value {
    json!({
        "carol": {"email": "carol@acme.test", "email_verified": true, "preferred_username": "carol", "groups": ["staff"]},
        "ann": {"email": "ann@acme.test", "email_verified": true, "preferred_username": "ann", "groups": ["staff", "data-stewards"]},
        "stranger": {"email": "stranger@elsewhere.test", "email_verified": true, "groups": []},
        "unverified": {"email": "carol@acme.test", "email_verified": false, "groups": []},
        "unsaid": {"email": "carol@acme.test", "groups": []},
        "nogroups": {"email": "victor@acme.test", "email_verified": true, "preferred_username": "victor"},
        "mallory": {"email": "mallory@acme.test", "email_verified": true, "preferred_username": "carol@acme.test", "groups": []},
    })
}

/// A running `oidc-provider`, killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
    _dir: tempfile::TempDir,
}

impl Provider {
    fn start(modules: &std::path::Path, clients: Value, code_ttl: u32) -> Provider {
        // The script runs from a directory whose node_modules is the installed one (an ES
        // module resolves its imports from where it is, not from the working directory).
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            modules.join("node_modules"),
            dir.path().join("node_modules"),
        )
        .unwrap();
        let script = dir.path().join("provider.mjs");
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs"),
            &script,
        )
        .unwrap();
        let port = crate::common::free_port();
        let mut child = Command::new("node")
            .arg(&script)
            .env("PORT", port.to_string())
            .env("CLIENTS", clients.to_string())
            .env("ACCOUNTS", accounts().to_string())
            .env("CODE_TTL", code_ttl.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let out = child.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("listening") => break,
                Some(Ok(_)) => continue,
                _ => panic!("oidc-provider ended before listening"),
            }
        }
        // Keep reading: the provider writes notices later, and a closed pipe would end it.
        std::thread::spawn(move || lines.for_each(drop));
        Provider {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Warden server in this process over the demo organisation, with `oidc` as its `[oidc]`
/// section (the issuer and redirect URL filled in) and carol a reviewer in it.
struct Warden {
    base: String,
    app: App,
    _dir: tempfile::TempDir,
}

impl Warden {
    async fn start(issuer: &str, listener: tokio::net::TcpListener, oidc: &str) -> Warden {
        let dir = tempfile::tempdir().unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::fs::write(
            dir.path().join("warden.toml"),
            format!(
                "[oidc]\nissuer = \"{issuer}\"\nclient_id = \"warden\"\n\
                 client_secret = \"warden-secret\"\nredirect_url = \"{base}/login/oidc/callback\"\n\
                 scopes = [\"email\", \"profile\", \"groups\"]\n{oidc}"
            ),
        )
        .unwrap();
        let app = App::open(dir.path()).await.unwrap();
        app.import(warden::demo::connections().unwrap())
            .await
            .unwrap();
        app.people
            .add_person("carol", Role::Reviewer, Some("carol@acme.test"))
            .await
            .unwrap();
        tokio::spawn(warden::server::serve(app.clone(), listener));
        Warden {
            base,
            app,
            _dir: dir,
        }
    }
}

/// The clients the provider knows: Warden (at each of its servers' callbacks) and another one.
fn clients(wardens: &[&str]) -> Value {
    let uris: Vec<String> = wardens
        .iter()
        .map(|b| format!("{b}/login/oidc/callback"))
        .collect();
    json!([
        {"client_id": "warden", "client_secret": "warden-secret", "redirect_uris": uris},
        {"client_id": "other", "client_secret": "other-secret", "redirect_uris": ["http://127.0.0.1:9/cb"]},
    ])
}

/// `[oidc]` beside the issuer and client: people made on first sign-in for acme.test, and roles
/// from the groups.
const AUTO: &str = "auto_create = true\nallowed_domains = [\"acme.test\"]\n\
                    reviewer_groups = [\"data-stewards\"]\nadmin_groups = [\"platform\"]\n";

/// A provider whose codes live `code_ttl` seconds, and a Warden signing in through it with
/// `oidc` in its `[oidc]` section.
async fn provider_and_warden(oidc: &str, code_ttl: u32) -> (Provider, Warden) {
    let modules = provider_dir_or_fetch();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = Provider::start(&modules, clients(&[&base]), code_ttl);
    let w = Warden::start(&provider.issuer, listener, oidc).await;
    (provider, w)
}

/// An HTTP client that keeps cookies as a browser would for 127.0.0.1 (whatever the port) and
/// follows no redirect by itself.
struct Agent {
    http: reqwest::Client,
    jar: BTreeMap<String, String>,
}

/// Where a redirect or a response leads.
enum Step {
    Redirect(String),
    Page(u16, String),
}

impl Agent {
    fn new() -> Agent {
        Agent {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
        }
    }

    async fn send(
        &mut self,
        url: &str,
        form: Option<Vec<(String, String)>>,
    ) -> (Step, Vec<String>) {
        let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let req = match form {
            Some(f) => self.http.post(url).form(&f),
            None => self.http.get(url),
        };
        let resp = req
            .header("cookie", cookies.join("; "))
            .send()
            .await
            .unwrap();
        let set: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") || c.contains("expires=Thu, 01 Jan 1970") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_string(), v.to_string());
            }
        }
        let status = resp.status().as_u16();
        let step = match resp.headers().get("location") {
            Some(loc) if (300..400).contains(&status) => {
                let loc = loc.to_str().unwrap();
                Step::Redirect(resp.url().join(loc).unwrap().to_string())
            }
            _ => Step::Page(status, resp.text().await.unwrap()),
        };
        (step, set)
    }

    /// From Warden's `/login/oidc` through the provider's pages as `login`, up to the redirect
    /// back to `callback` (returned, not followed, so that a test can change it).
    async fn through_provider(&mut self, start: &str, login: &str, callback: &str) -> String {
        let mut url = start.to_string();
        let mut form = None;
        for _ in 0..20 {
            match self.send(&url, form.take()).await.0 {
                Step::Redirect(to) if to.starts_with(callback) => return to,
                Step::Redirect(to) => url = to,
                Step::Page(status, html) => {
                    assert_eq!(status, 200, "{url}: {html}");
                    let (action, fields) = the_form(&html, login);
                    url = action;
                    form = Some(fields);
                }
            }
        }
        panic!("no way back to {callback}");
    }

    /// Follows `url` (Warden's callback) one step: its status and whether it set a session.
    async fn land(&mut self, url: &str) -> (u16, String, bool) {
        let (step, set) = self.send(url, None).await;
        let session = set
            .iter()
            .any(|c| c.starts_with("warden_session=") && !c.starts_with("warden_session=;"));
        match step {
            Step::Redirect(to) => (303, to, session),
            Step::Page(status, html) => (status, html, session),
        }
    }
}

/// The one form on a development page of the provider: where it posts and what it sends.
fn the_form(html: &str, login: &str) -> (String, Vec<(String, String)>) {
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no form: {html}"))
        .replace("&amp;", "&");
    let prompt = html
        .split("name=\"prompt\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no prompt: {html}"))
        .to_string();
    let mut fields = vec![("prompt".to_string(), prompt.clone())];
    if prompt == "login" {
        fields.push(("login".into(), login.into()));
        fields.push(("password".into(), "any".into()));
    }
    (action, fields)
}

/// The query parameter `name` of `url`.
fn param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// `url` with its parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.to_string()
            };
            (k.to_string(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

/// The sign-in in progress, as the browser's `warden_oidc` cookie holds it.
fn pending(agent: &Agent) -> Value {
    let raw = &agent.jar["warden_oidc"];
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

fn set_pending(agent: &mut Agent, doc: &Value) {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(doc.to_string());
    agent.jar.insert("warden_oidc".into(), raw);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_with_the_role_its_groups_give_and_signs_out() {
    let (_provider, w) = provider_and_warden(AUTO, 60).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.goto(&format!("{}/login", w.base)).await;
    browser.click_link("Sign in with single sign-on").await;
    browser.wait_for("input[name=login]").await;
    browser.fill("input[name=login]", "ann").await;
    browser.fill("input[name=password]", "any").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Continue").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_url(&format!("{}/requests", w.base)).await;
    // ann was no one in Warden: created on her first sign-in, a reviewer by her groups.
    browser.wait_for_text("ann").await;
    let header = browser.text().await;
    assert!(
        header.contains("reviewer") && header.contains("Audit"),
        "{header}"
    );
    let ann = w
        .app
        .store
        .find_person("ann@acme.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.role, Role::Reviewer);
    let created = w
        .app
        .store
        .audit(&warden::model::audit::AuditFilter::every("person_created"))
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].data["email"], "ann@acme.test");
    assert!(
        browser.cookie("warden_oidc").await.is_none(),
        "the sign-in's cookie is spent"
    );

    browser.click_button("Sign out").await;
    browser.wait_for_url(&format!("{}/login", w.base)).await;
    browser.goto(&format!("{}/requests", w.base)).await;
    browser.wait_for_url("/login").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_provider_did_not_vouch_for_is_refused() {
    // No auto_create, no groups mapped: only people Warden knows, with the roles it gave them.
    let (provider, w) = provider_and_warden("", 60).await;
    let start = format!("{}/login/oidc?next=/audit", w.base);
    let callback = format!("{}/login/oidc/callback", w.base);

    // The way it should go: carol, a reviewer in Warden (her provider groups map to nothing).
    let mut a = Agent::new();
    let back = a.through_provider(&start, "carol", &callback).await;
    assert_eq!(param(&back, "iss"), provider.issuer);
    let (status, to, session) = a.land(&back).await;
    assert_eq!(
        (status, to.as_str(), session),
        (303, format!("{}/audit", w.base).as_str(), true)
    );
    let carol = w.app.store.find_person("carol").await.unwrap().unwrap();
    assert_eq!(carol.role, Role::Reviewer, "kept as set in Warden");
    let (step, _) = a.send(&format!("{}/audit", w.base), None).await;
    assert!(matches!(step, Step::Page(200, ref html) if html.contains("carol")));

    // A `next` changed in the cookie to another site: the landing stays on Warden.
    let mut a = Agent::new();
    let back = a.through_provider(&start, "carol", &callback).await;
    let mut p = pending(&a);
    p["next"] = json!("//evil.example/x");
    set_pending(&mut a, &p);
    let (status, to, session) = a.land(&back).await;
    let home = format!("{}/requests", w.base);
    assert_eq!((status, to.as_str(), session), (303, home.as_str(), true));

    // A forged state: the answer is not this browser's sign-in.
    let mut a = Agent::new();
    let back = a.through_provider(&start, "carol", &callback).await;
    let (status, page, session) = a.land(&with_param(&back, "state", "forged")).await;
    assert_eq!((status, session), (400, false), "{page}");
    assert!(page.contains("state does not match"), "{page}");
    // And the sign-in it interrupted cannot be finished afterwards: its cookie is spent.
    let (status, _, session) = a.land(&back).await;
    assert_eq!((status, session), (400, false));

    // An ID token whose nonce is not the one this browser sent.
    let mut a = Agent::new();
    let back = a.through_provider(&start, "carol", &callback).await;
    let mut p = pending(&a);
    p["nonce"] = json!("not-the-nonce-that-was-sent");
    set_pending(&mut a, &p);
    let (status, page, session) = a.land(&back).await;
    assert_eq!((status, session), (401, false), "{page}");
    assert!(page.contains("nonce"), "{page}");

    // A code issued to another client (with this browser's own state and PKCE challenge).
    let mut a = Agent::new();
    a.send(&start, None).await;
    let p = pending(&a);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(
        p["verifier"].as_str().unwrap().as_bytes(),
    ));
    let other = format!(
        "{}/auth?client_id=other&response_type=code&scope=openid%20email&redirect_uri={}\
         &state={}&nonce={}&code_challenge={challenge}&code_challenge_method=S256",
        provider.issuer,
        "http%3A%2F%2F127.0.0.1%3A9%2Fcb",
        p["state"].as_str().unwrap(),
        p["nonce"].as_str().unwrap(),
    );
    let theirs = a
        .through_provider(&other, "carol", "http://127.0.0.1:9/cb")
        .await;
    let code = param(&theirs, "code");
    assert!(!code.is_empty(), "{theirs}");
    let forwarded = format!(
        "{callback}?code={code}&state={}",
        p["state"].as_str().unwrap()
    );
    let (status, page, session) = a.land(&forwarded).await;
    assert_eq!((status, session), (401, false), "{page}");
    assert!(page.contains("refused"), "{page}");

    // An email no person in Warden has, and an email the provider has not verified.
    for (login, status, says) in [
        ("stranger", 403, "no person in Warden has the email"),
        ("unverified", 401, "not verified"),
        ("unsaid", 401, "not verified"),
    ] {
        let mut a = Agent::new();
        let back = a.through_provider(&start, login, &callback).await;
        let (got, page, session) = a.land(&back).await;
        assert_eq!((got, session), (status, false), "{login}: {page}");
        assert!(page.contains(says), "{login}: {page}");
    }
    assert!(
        w.app
            .store
            .find_person("stranger@elsewhere.test")
            .await
            .unwrap()
            .is_none()
    );
    assert!(warden::audit::verify(&w.app.store).await.unwrap().ok);
}

/// A code past its lifetime (one second here) is refused by the provider, and so the sign-in.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_code_is_refused() {
    let (_provider, w) = provider_and_warden("", 1).await;
    let mut a = Agent::new();
    let back = a
        .through_provider(
            &format!("{}/login/oidc", w.base),
            "carol",
            &format!("{}/login/oidc/callback", w.base),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, page, session) = a.land(&back).await;
    assert_eq!((status, session), (401, false), "{page}");
    assert!(page.contains("refused"), "{page}");
}

/// With `auto_create`: only the listed domains are admitted; a name from the provider never
/// reads like someone's email; a sign-in without a groups claim keeps the role Warden has.
#[tokio::test(flavor = "multi_thread")]
async fn auto_create_admits_listed_domains_and_a_missing_groups_claim_takes_nothing_away() {
    let (_provider, w) = provider_and_warden(AUTO, 60).await;
    w.app
        .people
        .add_person("victor", Role::Admin, Some("victor@acme.test"))
        .await
        .unwrap();
    let start = format!("{}/login/oidc", w.base);
    let callback = format!("{}/login/oidc/callback", w.base);
    let sign_in = |login: &'static str| {
        let (start, callback) = (start.clone(), callback.clone());
        async move {
            let mut a = Agent::new();
            let back = a.through_provider(&start, login, &callback).await;
            a.land(&back).await
        }
    };

    let (status, page, session) = sign_in("stranger").await;
    assert_eq!((status, session), (403, false), "{page}");
    assert!(page.contains("allowed_domains"), "{page}");
    let people = w.app.store.people().await.unwrap();
    assert_eq!(people.len(), 2, "nobody created: {people:?}");

    // mallory calls herself "carol@acme.test" at the provider: created, but not by that name,
    // and carol still signs in as herself.
    let (status, _, session) = sign_in("mallory").await;
    assert_eq!((status, session), (303, true));
    let mallory = w
        .app
        .store
        .find_person_by_email("mallory@acme.test")
        .await
        .unwrap()
        .unwrap();
    assert!(!mallory.name.contains('@'), "{}", mallory.name);
    assert_eq!(
        w.app
            .store
            .find_person("carol@acme.test")
            .await
            .unwrap()
            .unwrap()
            .name,
        "carol"
    );
    assert_eq!(sign_in("carol").await.0, 303);

    // victor's provider account sends no groups claim: he stays an admin.
    let (status, _, session) = sign_in("nogroups").await;
    assert_eq!((status, session), (303, true));
    let victor = w.app.store.find_person("victor").await.unwrap().unwrap();
    assert_eq!(victor.role, Role::Admin);
    // carol's claim arrived and names no mapped group: she is a requester now, and it is audited.
    let carol = w.app.store.find_person("carol").await.unwrap().unwrap();
    assert_eq!(carol.role, Role::Requester);
    let changed = w
        .app
        .store
        .audit(&warden::model::audit::AuditFilter::every("role_changed"))
        .await
        .unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].data["person"], "carol");
}

/// The refusals a person could meet, in the browser: an answer whose state is not this
/// browser's, a nonce that is not the one the browser sent, and a code issued to another client.
/// Each is a page saying why, and no session.
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_is_refused_a_forged_state_a_wrong_nonce_and_another_clients_code() {
    let (provider, w) = provider_and_warden("", 60).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let callback = format!("{}/login/oidc/callback", w.base);
    // The browser's sign-in cookie is the host's, whichever port: it can be read and replaced
    // from the provider's pages as from Warden's.
    let pending = async || -> Value {
        let raw = browser
            .cookie("warden_oidc")
            .await
            .expect("a sign-in in progress");
        serde_json::from_slice(&b64.decode(raw).unwrap()).unwrap()
    };
    let replace = async |doc: &Value| {
        browser.client().delete_cookie("warden_oidc").await.unwrap();
        // Set by the page's script: WebDriver will not set a cookie for an IP address host.
        let value = format!("warden_oidc={}; path=/", b64.encode(doc.to_string()));
        browser
            .client()
            .execute("document.cookie = arguments[0];", vec![json!(value)])
            .await
            .unwrap();
    };

    // A forged state: the browser is at the provider's sign-in page, and an answer arrives
    // that was not for its sign-in.
    browser.goto(&format!("{}/login/oidc", w.base)).await;
    browser.wait_for("input[name=login]").await;
    browser
        .goto(&format!("{callback}?code=stolen&state=forged"))
        .await;
    browser.wait_for_text("state does not match").await;
    assert!(browser.cookie("warden_session").await.is_none());

    // A wrong nonce: changed in the cookie while the browser is at the provider.
    browser.goto(&format!("{}/login/oidc", w.base)).await;
    browser.wait_for("input[name=login]").await;
    let mut p = pending().await;
    p["nonce"] = json!("not-the-nonce-that-was-sent");
    replace(&p).await;
    browser.fill("input[name=login]", "carol").await;
    browser.fill("input[name=password]", "any").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Continue").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("does not verify").await;
    assert!(browser.cookie("warden_session").await.is_none());

    // Another client's code: the browser's own state, nonce and PKCE challenge, but asked for
    // by the client `other`, whose page (nothing listens there) gets the code.
    let verifier = "a-verifier-of-this-browser-0123456789-abcdefghijkl";
    let doc = json!({"state": "s-browser", "nonce": "n-browser", "verifier": verifier,
                     "next": "/requests"});
    replace(&doc).await;
    let challenge = b64.encode(sha2::Sha256::digest(verifier.as_bytes()));
    browser
        .goto(&format!(
            "{}/auth?client_id=other&response_type=code&scope=openid%20email\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=s-browser&nonce=n-browser\
             &code_challenge={challenge}&code_challenge_method=S256",
            provider.issuer
        ))
        .await;
    browser.wait_for_text("Continue").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_url("127.0.0.1:9/cb").await;
    let theirs = browser.current_url().await;
    let code = param(&theirs, "code");
    assert!(!code.is_empty(), "{theirs}");
    browser
        .goto(&format!("{callback}?code={code}&state=s-browser"))
        .await;
    browser.wait_for_text("refused").await;
    assert!(browser.cookie("warden_session").await.is_none());
}

/// What comes back from the provider is text anyone can put in an address: hostile values of
/// `code`, `state`, `error` and `error_description` each get a page saying why (4xx), never a
/// session, and the server answers afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_answers_at_the_callback_get_a_page_and_no_session() {
    let (_provider, w) = provider_and_warden("", 60).await;
    let callback = format!("{}/login/oidc/callback", w.base);
    for (what, text) in crate::hostile::messages() {
        for keys in [["code", "state"], ["error", "error_description"]] {
            let mut a = Agent::new();
            a.send(&format!("{}/login/oidc", w.base), None).await;
            let mut url = reqwest::Url::parse(&callback).unwrap();
            url.query_pairs_mut()
                .append_pair(keys[0], &text)
                .append_pair(keys[1], &text);
            let (status, page, session) = a.land(url.as_str()).await;
            assert!(
                (400..500).contains(&status),
                "{what} as {keys:?}: {status} {page}"
            );
            assert!(!session, "{what} as {keys:?}");
            assert!(!page.contains('\0'), "{what} as {keys:?}");
        }
    }
    let r = reqwest::get(format!("{}/healthz", w.base)).await.unwrap();
    assert_eq!(r.status(), 200);
}
