//! The built-in demo organisation: Acme, a fictional company on all four platforms.
//! `QUESTIONS.md` beside it lists questions with their expected answers.

use crate::error::Problem;
use crate::model::Connection;

/// The demo snapshot document.
pub const SNAPSHOT: &str = include_str!("acme.json");

/// The demo connections, validated like any import.
pub fn connections() -> Result<Vec<Connection>, Problem> {
    Ok(crate::snapshot::parse_str(SNAPSHOT)?)
}

/// The demo's people: (name, role). Each gets `NAME@acme.test`, which links them to their
/// identities on every platform.
pub const PEOPLE: [(&str, crate::people::Role); 6] = {
    use crate::people::Role::*;
    [
        ("alice", Requester),
        ("maya", Requester),
        ("tom", Requester),
        ("carol", Reviewer),
        ("priya", Reviewer),
        ("victor", Admin),
    ]
};

/// The agent token the demo makes, acting for maya.
pub const AGENT: (&str, &str) = ("maya", "helpdesk-bot");
