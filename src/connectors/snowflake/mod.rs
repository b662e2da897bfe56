//! Snowflake, live: the SQL API v2 client ([`client`]) and how it signs in ([`auth`]). The sync
//! and provisioning that will use it are not built yet; Snowflake connections are read from
//! snapshot files until then.

pub mod auth;
pub mod client;
