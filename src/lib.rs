//! Warden: who can touch which data, and why.
//!
//! # Layout
//! From the top down; each part uses only the parts after it (DESIGN.md "Layers"). The order is
//! `LAYERS` in `tests/it/layers.rs`, which fails on a use against it, and on any cycle between
//! modules at any level below.
//!
//! - [`cli`] (called by `main.rs`): the command line, its exit codes and its output.
//! - [`server`]: the running server, the one place that starts and stops the background workers.
//! - [`web`]: the dashboard's pages (sessions, CSRF, templates) over the same services.
//! - [`http`]: REST, MCP and the OpenAPI document; handlers read, call a service, answer.
//! - [`slack`]: the reviewers' channel in Slack: notifications, approval by ✅ and buttons, the
//!   assistant in threads and direct messages.
//! - [`sync`], [`drift`]: live connections read and imported; grants that drifted from Warden's record.
//! - [`app`]: the wiring (config, store, access, people, requests) the edges share.
//! - [`chat`]: the embedded engine and the LLM engine, both calling the [`tools`].
//! - [`tools`]: the typed tools (one file each) reachable from CLI, HTTP, MCP and chat.
//! - [`jobs`], [`audit`]: provisioning and expiry as jobs; the audit log, verified and exported.
//! - [`requests`]: the request workflow, its rules and its service.
//! - [`demo`], [`synth`]: the built-in demo organisation and the seeded generator.
//! - [`people`]: people, tokens and their links to platform identities.
//! - [`metrics`]: the Prometheus metrics each edge and worker counts into.
//! - [`access`]: graph and index as one swappable, read-optimised snapshot.
//! - [`connectors`]: live platforms read into snapshots and changed by grants.
//! - [`index`], [`graph`]: the tantivy index that resolves names people type; the
//!   effective-privilege engine, whose every answer carries its paths.
//! - [`store`]: SQLite or PostgreSQL behind one face, its SQL written once in `store/portable/`.
//! - [`snapshot`]: the snapshot format, parsed and validated with JSON-path errors.
//! - [`config`], [`policy`]: `warden.toml` (secrets from the environment); name patterns.
//! - [`model`]: the typed domain: platforms, ids, privileges, durations, times, people, requests
//!   and their states.
//! - [`error`]: the error document and its stable codes; it depends on nothing in the crate.
//! - [`fault`]: the fault points tests use.

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
pub mod metrics;
pub mod model;
pub mod people;
pub mod policy;
pub mod requests;
pub mod server;
pub mod slack;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod synth;
pub mod tools;
pub mod web;
