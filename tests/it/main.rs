//! Warden's integration tests: one binary (it links once), one module per concern.

mod chat;
mod chat_eval;
mod cli;
mod common;
mod demo;
mod differential;
mod export;
mod http;
mod import;
mod llm;
mod mcp;
mod pg;
mod pg16;
mod provision;
mod redshift;
mod resolve;
mod scenarios;
mod server;
mod store;
mod sync;
