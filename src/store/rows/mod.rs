//! What the store reads and writes besides the model's own types: job, drift and agent-call rows
//! and the filters that list them. Below both the SQL (`portable/`) and the store's faces.

pub mod agent_calls;
pub mod appended;
pub mod chained;
pub mod drift;
pub mod gauges;
pub mod jobs;
pub mod requests;
pub mod sessions;
