//! Snowflake, live: the SQL API v2 client ([`client`]), how it signs in ([`auth`]), and the
//! account read into a snapshot ([`read`], with its statements in [`sql`]) for `warden sync`,
//! and grants and revokes for approved requests ([`provision`]).

pub mod auth;
pub mod client;
pub mod provision;
pub mod read;
pub mod sql;

use super::{ConnectorError, FailureKind};
use crate::config::ConnectionConfig;
use auth::{Auth, KeyPairAuth};
use client::{SqlApi, default_api_url};

/// Where a configured connection's grants are read from: `show` (the default) or
/// `account_usage`.
pub fn source(cfg: &ConnectionConfig) -> Result<read::Source, ConnectorError> {
    match cfg.source.as_deref() {
        None | Some("show") => Ok(read::Source::Show),
        Some("account_usage") => Ok(read::Source::AccountUsage),
        Some(other) => Err(ConnectorError::new(
            FailureKind::Config,
            format!(
                "connection {:?}: source {other:?} is not one of \"show\", \"account_usage\"",
                cfg.name
            ),
        )),
    }
}

/// The SQL API of a configured Snowflake connection: `account` and `user`, with
/// `private_key` (or `private_key_path`) or `token`; `role`, `warehouse` and `api_url` optional.
pub fn connect(cfg: &ConnectionConfig) -> Result<SqlApi, ConnectorError> {
    let config = |m: String| ConnectorError::new(FailureKind::Config, m);
    let account = cfg
        .account
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| {
            config(format!(
                "connection {:?}: snowflake needs `account`",
                cfg.name
            ))
        })?;
    source(cfg)?;
    let auth = match (&cfg.token, &cfg.private_key, &cfg.private_key_path) {
        (Some(token), None, None) => Auth::Token(token.expose().to_string()),
        (None, key, path) if key.is_some() != path.is_some() => {
            let user = cfg.user.as_deref().ok_or_else(|| {
                config(format!("connection {:?}: snowflake needs `user`", cfg.name))
            })?;
            let pem = match (key, path) {
                (Some(k), _) => k.expose().to_string(),
                (_, Some(p)) => std::fs::read_to_string(p).map_err(|e| {
                    config(format!(
                        "connection {:?}: private_key_path {p:?}: {}",
                        cfg.name,
                        e.kind()
                    ))
                })?,
                _ => unreachable!("one of the two is set"),
            };
            Auth::KeyPair(KeyPairAuth::from_pem(account, user, &pem)?)
        }
        _ => {
            return Err(config(format!(
                "connection {:?}: snowflake needs one of `private_key`, `private_key_path` or `token`",
                cfg.name
            )));
        }
    };
    let api_url = cfg
        .api_url
        .clone()
        .unwrap_or_else(|| default_api_url(account));
    Ok(SqlApi::new(&api_url, auth)?.with_context(cfg.role.clone(), cfg.warehouse.clone()))
}
