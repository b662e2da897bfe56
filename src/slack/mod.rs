//! Slack: the reviewers' channel, approvals by reaction and buttons, the assistant in Slack.

pub mod client;
pub mod signature;
