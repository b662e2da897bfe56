//! Slack: the Web API client against a local fake of Slack's Web API.

pub mod fake;

mod client;
