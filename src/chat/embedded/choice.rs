//! What a question back offers and which name of the question it is about: shared by the
//! planner, which asks, and the composer, which words the question.

use serde::{Deserialize, Serialize};

/// A thing a name could have meant, offered back to the person asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub name: String,
    pub connection: String,
    pub kind: String,
    /// Display name or email, to tell two Alices apart.
    pub detail: Option<String>,
    /// The person's email, which names them alone when the choice is taken.
    #[serde(default)]
    pub email: Option<String>,
}

/// Which name of the intent a question back is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Subject,
    Resource,
}
