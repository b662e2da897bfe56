//! Slack: the Web API client against a local fake of Slack's Web API, and the whole flow
//! (notifications, ✅, buttons, the assistant) on a real PostgreSQL and the real server.

pub mod fake;

mod client;
pub mod flow;
