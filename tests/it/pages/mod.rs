//! The dashboard's pages over real HTTP (the real server on port 0, reqwest with the session
//! cookie), without a browser: sign-in, sessions, CSRF and what each role may see and press.
//! The browser tests (tests/it/browser/) drive the same pages in real Chromium.

#![allow(dead_code)]

mod authz;
mod directory;
mod login;
mod new_request;
mod request_page;

use crate::server::TestServer;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use warden::people::Role;

/// A browser-like visitor: the server's address, a client that does not follow redirects, and
/// the cookies it was given.
pub struct Visitor {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

/// A page's answer: status, `Location` (for redirects) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            base: base.to_string(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    /// Signs in as a new (or existing) person with `role` through `/login` and their token.
    pub async fn signed_in(s: &TestServer, name: &str, role: Role) -> Visitor {
        let token = s.token_for(name, role, None).await;
        let mut v = Visitor::new(&s.base);
        let a = v.sign_in(&token).await;
        assert_eq!(a.status, 303, "sign-in as {name} failed: {}", a.body);
        v
    }

    /// Posts `token` to `/login` with the form's CSRF token.
    pub async fn sign_in(&mut self, token: &str) -> Answer {
        let page = self.get("/login").await;
        let csrf = csrf_of(&page.body).expect("the login form has a csrf field");
        self.post("/login", &[("csrf", &csrf), ("token", token)])
            .await
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// Posts a form as a browser would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields);
        self.send(req).await
    }

    /// Posts a form carrying the CSRF token of the page at `from` (as a form on that page would).
    pub async fn post_from(&mut self, from: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
        let page = self.get(from).await;
        let csrf = csrf_of(&page.body).unwrap_or_else(|| panic!("no csrf field on {from}"));
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = if jar.is_empty() {
            req
        } else {
            req.header(COOKIE, jar.join("; "))
        };
        let resp = req.send().await.unwrap();
        for c in resp.headers().get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() && !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        Answer {
            status: resp.status().as_u16(),
            location: resp
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_string()),
            body: resp.text().await.unwrap(),
        }
    }
}

/// The value of the first `name="csrf"` field on a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The labels of the `<button>`s on a page (their text, trimmed).
pub fn buttons(html: &str) -> Vec<String> {
    html.split("<button")
        .skip(1)
        .filter_map(|b| {
            let text = &b[b.find('>')? + 1..];
            Some(text[..text.find("</button>")?].trim().to_string())
        })
        .collect()
}
