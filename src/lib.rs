//! Warden: who can touch which data, and why.
//!
//! # Layout
//! - [`model`]: plain validated types (identities, resources, grants, durations).
//! - [`config`]: `warden.toml`, with secrets from the environment.
//! - [`people`]: people, roles, tokens and the [`people::Principal`] every rule is decided by.
//! - [`snapshot`]: the snapshot format, parsed and validated with JSON-path errors.
//! - [`store`]: where imported connections live (SQLite; PostgreSQL later), behind one face.
//! - [`graph`]: the effective-privilege engine; every answer carries its paths.
//! - [`index`]: the tantivy index that resolves names people type.
//! - [`access`]: graph + index as one swappable, read-optimised snapshot.
//! - [`connectors`]: live platforms read into snapshots (PostgreSQL).
//! - [`tools`]: the typed tools (one file each) reachable from CLI, HTTP, MCP and chat.
//! - [`chat`]: the embedded engine and the LLM engine, both calling the tools.
//! - [`http`], [`cli`]: the edges, where errors become documents and exit codes.
//! - [`server`]: the running server: connections, limits, background workers, graceful stop.
//! - [`sync`]: live connections read and imported, each failure kept apart.
//! - [`audit`], [`drift`]: the audit log verified and exported; grants that drifted from Warden's record.
//! - [`demo`], [`synth`]: the built-in demo organisation and the seeded generator.

pub mod access;
pub mod app;
pub mod audit;
pub mod chat;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod demo;
pub mod drift;
pub mod error;
pub mod fault;
pub mod graph;
pub mod http;
pub mod index;
pub mod jobs;
pub mod model;
pub mod people;
pub mod policy;
pub mod requests;
pub mod server;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod synth;
pub mod tools;
