//! Slack: the reviewers' channel, approvals by reaction and buttons, the assistant in Slack.
//!
//! - Out: the notifier ([`follow`]) reads the audit log and queues, per request event, the calls
//!   [`notice`] lists; the job runner hands them to [`Slack`] ([`deliver`]), which draws the
//!   message ([`blocks`]) and calls the Web API ([`client`]).
//! - In: `POST /slack/events` and `/slack/interactions` ([`routes`]) check Slack's signature
//!   ([`signature`]), read the callback ([`inbound`]), queue its work once per id and answer at
//!   once; the work runs as a job, as the Warden person the Slack user is ([`users`]).

pub mod blocks;
pub mod client;
mod deliver;
pub mod follow;
pub mod inbound;
pub mod job;
pub mod notice;
mod routes;
pub mod signature;
pub mod text;
mod users;

use crate::app::App;
use crate::config::SlackConfig;
use crate::error::Problem;
use crate::jobs::{Handler, JobError, Outcome};
use crate::store::jobs::Job;
use client::SlackClient;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The Slack side of one server: its client, config and users, over the app.
#[derive(Clone)]
pub struct Slack {
    inner: Arc<Inner>,
}

struct Inner {
    app: App,
    client: SlackClient,
    config: SlackConfig,
    users: users::Directory,
    /// The dashboard's address, for links.
    dashboard: String,
}

impl Slack {
    /// Slack for `app` as `config` says; `dashboard` is where links point when the config names
    /// no `dashboard_url`.
    pub fn new(app: App, config: &SlackConfig, dashboard: &str) -> Result<Slack, Problem> {
        let client = SlackClient::new(
            &config.api_url,
            config.bot_token.clone(),
            config.timeout.std(),
        )
        .map_err(|e| Problem::invalid("slack", e.to_string()))?;
        Ok(Slack {
            inner: Arc::new(Inner {
                dashboard: config
                    .dashboard_url
                    .clone()
                    .unwrap_or_else(|| dashboard.to_string()),
                users: users::Directory::new(config),
                config: config.clone(),
                client,
                app,
            }),
        })
    }

    fn app(&self) -> &App {
        &self.inner.app
    }

    /// The runner's handler of Slack jobs.
    pub fn handler(&self) -> Arc<dyn Handler> {
        Arc::new(self.clone())
    }

    /// `POST /slack/events` and `POST /slack/interactions`.
    pub fn routes(&self) -> axum::Router<App> {
        routes::routes(self.clone())
    }

    /// The notifier, until `stop`.
    pub async fn follow(self, stop: crate::app::Stop) {
        follow::run(self.app().clone(), self.inner.config.channel.clone(), stop).await
    }
}

impl Handler for Slack {
    fn run<'a>(
        &'a self,
        job: &'a Job,
    ) -> Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + Send + 'a>> {
        Box::pin(self.run_job(job))
    }
}
