//! Warden's integration tests: one binary (it links once), one module per concern.

mod audit;
mod chat;
mod chat_eval;
mod chat_requests;
mod cli;
mod common;
mod crash;
mod demo;
mod differential;
mod drift;
mod export;
mod http;
mod import;
mod lifecycle;
mod llm;
mod mcp;
mod pg;
mod pg16;
mod pg_store;
mod provision;
mod redshift;
mod resolve;
mod scenarios;
mod server;
mod store;
mod sync;
