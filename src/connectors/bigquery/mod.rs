//! BigQuery, live: Google's REST APIs ([`client`]), how Warden signs in to them ([`auth`]), IAM
//! members and dataset access entries ([`member`]), the project read into a snapshot for
//! `warden sync` ([`read`]), and roles granted and revoked for approved requests ([`provision`]).

pub mod auth;
pub mod client;
pub mod member;
pub mod provision;
pub mod read;

use super::{ConnectorError, FailureKind};
use crate::config::ConnectionConfig;
use auth::{Auth, ServiceAccount};
use client::{Api, BIGQUERY_URL, RESOURCE_MANAGER_URL};

/// The APIs of a configured BigQuery connection: `project`, with `credentials` (a
/// service-account key file) or `token`; `api_url`, `resource_manager_url` and `groups_url`
/// optional.
pub fn connect(cfg: &ConnectionConfig) -> Result<Api, ConnectorError> {
    let config = |m: String| ConnectorError::new(FailureKind::Config, m);
    let project = cfg
        .project
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            config(format!(
                "connection {:?}: bigquery needs `project`",
                cfg.name
            ))
        })?;
    let auth = match (&cfg.token, &cfg.credentials) {
        (Some(token), None) => Auth::Token(token.expose().to_string()),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                config(format!(
                    "connection {:?}: credentials {path:?}: {}",
                    cfg.name,
                    e.kind()
                ))
            })?;
            let account = ServiceAccount::from_json(&text)
                .map_err(|e| config(format!("connection {:?}: {}", cfg.name, e.message)))?;
            Auth::ServiceAccount(Box::new(account))
        }
        _ => {
            return Err(config(format!(
                "connection {:?}: bigquery needs one of `credentials` (a service-account key file) or `token`",
                cfg.name
            )));
        }
    };
    Ok(Api::new(
        project,
        cfg.api_url.as_deref().unwrap_or(BIGQUERY_URL),
        cfg.resource_manager_url
            .as_deref()
            .unwrap_or(RESOURCE_MANAGER_URL),
        auth,
    )?
    .with_groups(cfg.groups_url.clone()))
}
