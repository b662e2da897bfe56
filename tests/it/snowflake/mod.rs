//! Snowflake: the SQL API v2 client against a local server that speaks the SQL API's documented
//! wire format (key-pair JWT checked with the user's public key, 202 and polling, partitions,
//! 422 SQL errors, 429), never against a mock of Warden's own code.

pub mod fake;

mod client;
mod provision;
mod sync;
