//! The real server on port 0 over the demo organisation, with a person and a token to call it.

#![allow(dead_code)]

use serde_json::Value;
use std::net::SocketAddr;
use warden::app::App;
use warden::people::Role;

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub app: App,
    /// An admin's bearer token.
    pub token: String,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with_config("").await
    }

    /// Starts with `config` as the data dir's warden.toml.
    pub async fn start_with_config(config: &str) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("warden.toml"), config).unwrap();
        let app = App::open(dir.path()).await.unwrap();
        app.import(warden::demo::connections().unwrap())
            .await
            .unwrap();
        app.people
            .add_person("admin", Role::Admin, Some("admin@warden.test"))
            .await
            .unwrap();
        let (_, token) = app.people.create_token("admin", None).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(warden::server::serve(app.clone(), listener));
        TestServer {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            app,
            token: token.secret,
            dir,
        }
    }

    /// A token for a new person (and agent, if given).
    pub async fn token_for(&self, name: &str, role: Role, agent: Option<&str>) -> String {
        if self.app.store.find_person(name).await.unwrap().is_none() {
            self.app
                .people
                .add_person(name, role, Some(&format!("{name}@acme.test")))
                .await
                .unwrap();
        }
        self.app
            .people
            .create_token(name, agent)
            .await
            .unwrap()
            .1
            .secret
    }

    pub async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        self.post_as(&self.token, path, body).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &str) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(&self.token, path).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}
