//! Warden's integration tests: one binary (it links once), one module per concern.

// Helpers shared by the tests fail the test that called them: unwrap is their error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod authz;
mod binary;
mod browser;
mod chat;
mod chat_eval;
mod chat_requests;
mod chat_typed;
mod cli;
mod common;
mod crash;
mod demo;
mod differential;
mod directory_http;
mod drift;
mod export;
mod files;
mod hostile;
mod http;
mod import;
mod layers;
mod lifecycle;
mod limits;
mod llm;
mod mcp;
mod openapi;
mod pages;
mod pg;
mod pg16;
mod pg_store;
mod props;
mod provision;
mod redshift;
mod request_checks;
mod request_filter;
mod requests_http;
mod resolve;
mod scenarios;
mod server;
mod slack;
mod store;
mod survive;
mod sync;
