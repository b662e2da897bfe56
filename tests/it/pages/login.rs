//! Signing in to the dashboard: tokens, one-time links, sessions that end, CSRF on the login form
//! and on every other form, and the headers every page carries.

use super::{Visitor, csrf_of};
use crate::server::TestServer;
use warden::people::Role;

#[tokio::test]
async fn a_token_signs_in_and_sign_out_ends_the_session_everywhere() {
    let s = TestServer::start().await;
    let mut v = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let session = v.cookie("warden_session").unwrap().to_string();
    let list = v.get("/requests").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(
        list.body.contains("maya"),
        "the frame names who is signed in"
    );

    // A second browser holding a copy of the cookie is signed out with the first.
    let mut copy = Visitor::new(&s.base);
    copy.cookies.push(("warden_session".into(), session));
    assert_eq!(copy.get("/requests").await.status, 200);
    let out = v.post_from("/requests", "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(v.cookie("warden_session"), None, "the cookie is cleared");
    let after = copy.get("/requests").await;
    assert_eq!(after.status, 303, "the ended session no longer works");
    assert_eq!(after.location.as_deref(), Some("/login?next=%2Frequests"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_behind_tls() {
    let s = TestServer::start().await;
    let token = s.token_for("maya", Role::Requester, None).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (proxy_says, secure) in [(None, false), (Some("https"), true)] {
        let form = client
            .get(format!("{}/login", s.base))
            .send()
            .await
            .unwrap();
        let login_cookie = form.headers()["set-cookie"].to_str().unwrap().to_string();
        let csrf = csrf_of(&form.text().await.unwrap()).unwrap();
        let mut req = client
            .post(format!("{}/login", s.base))
            .header("cookie", login_cookie.split(';').next().unwrap())
            .form(&[("csrf", csrf.as_str()), ("token", token.as_str())]);
        if let Some(p) = proxy_says {
            req = req.header("x-forwarded-proto", p);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 303);
        let set: Vec<&str> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap())
            .collect();
        let session = set
            .iter()
            .find(|c| c.starts_with("warden_session="))
            .expect("a session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
        assert!(
            session.contains("Max-Age="),
            "the session expires: {session}"
        );
        assert_eq!(session.contains("Secure"), secure, "{session}");
    }
}

#[tokio::test]
async fn a_wrong_token_an_agent_token_or_a_forged_login_form_does_not_sign_in() {
    let s = TestServer::start().await;
    let agent = s.token_for("maya", Role::Requester, Some("bot")).await;
    let mut v = Visitor::new(&s.base);
    for token in ["wdn_nope", agent.as_str()] {
        let a = v.sign_in(token).await;
        assert_eq!(a.status, 401, "{token}: {}", a.body);
        assert_eq!(v.cookie("warden_session"), None);
    }
    // A login form posted from elsewhere carries no CSRF token matching this browser's cookie.
    let good = s.token_for("maya", Role::Requester, None).await;
    let mut other = Visitor::new(&s.base);
    let a = other
        .post("/login", &[("csrf", "forged"), ("token", &good)])
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(other.cookie("warden_session"), None);
}

#[tokio::test]
async fn a_sign_in_link_works_once() {
    let s = TestServer::start().await;
    s.token_for("carol", Role::Reviewer, None).await;
    let carol = s.app.people.person("carol").await.unwrap();
    let link = s.app.people.sign_in_link(&carol).await.unwrap();
    let mut first = Visitor::new(&s.base);
    let a = first.get(&format!("/login/link/{link}")).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(first.get("/requests").await.body.contains("carol"));
    let mut second = Visitor::new(&s.base);
    let b = second.get(&format!("/login/link/{link}")).await;
    assert_eq!(b.status, 401, "a used link signs no one in");
    assert!(b.body.contains("used already or has expired"), "{}", b.body);
    assert_eq!(second.cookie("warden_session"), None);
}

#[tokio::test]
async fn a_form_without_this_sessions_csrf_token_changes_nothing() {
    let s = TestServer::start().await;
    let mut maya = Visitor::signed_in(&s, "maya", Role::Requester).await;
    let mut tom = Visitor::signed_in(&s, "tom", Role::Requester).await;
    let toms = csrf_of(&tom.get("/requests").await.body).unwrap();
    for csrf in ["", "0000", toms.as_str()] {
        let a = maya.post("/logout", &[("csrf", csrf)]).await;
        assert_eq!(a.status, 403, "csrf {csrf:?}: {}", a.body);
    }
    assert_eq!(maya.get("/requests").await.status, 200, "still signed in");
}

#[tokio::test]
async fn pages_send_the_browser_to_sign_in_and_carry_the_security_headers() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s.base);
    let home = v.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/login"));
    let deep = v.get("/requests?status=open").await;
    assert_eq!(deep.status, 303);
    assert_eq!(
        deep.location.as_deref(),
        Some("/login?next=%2Frequests%3Fstatus%3Dopen")
    );
    // After signing in from there, the browser lands where it was going, never on another site.
    let resp = reqwest::get(format!("{}/login", s.base)).await.unwrap();
    let h = resp.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    let body = resp.text().await.unwrap();
    assert!(
        !body.contains("<script>") && !body.contains("onclick="),
        "no inline script: {body}"
    );
}

#[tokio::test]
async fn after_sign_in_the_browser_goes_where_it_was_going_and_never_off_site() {
    let s = TestServer::start().await;
    let token = s.token_for("maya", Role::Requester, None).await;
    for (next, lands) in [
        ("/requests?status=open", "/requests?status=open"),
        ("//evil.example/", "/requests"),
        ("https://evil.example/", "/requests"),
    ] {
        let mut v = Visitor::new(&s.base);
        let page = v.get("/login").await;
        let csrf = csrf_of(&page.body).unwrap();
        let a = v
            .post(
                "/login",
                &[("csrf", &csrf), ("token", &token), ("next", next)],
            )
            .await;
        assert_eq!(a.location.as_deref(), Some(lands), "next={next}");
    }
}
