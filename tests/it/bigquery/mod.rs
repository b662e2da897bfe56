//! BigQuery: the REST client against a local server that speaks Google's documented wire
//! formats (OAuth JWT bearer grant, BigQuery v2, Resource Manager and Cloud Identity, IAM
//! `Policy` version 3 with etags), and dataset access entries against the real `bqemulator`;
//! never against a mock of Warden's own code.

pub mod fake;

mod emulator;
mod provision;
mod sync;
