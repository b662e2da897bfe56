//! Warden's integration tests: one binary (it links once), one module per concern.

mod cli;
mod common;
mod export;
mod http;
mod import;
mod resolve;
mod scenarios;
mod store;
