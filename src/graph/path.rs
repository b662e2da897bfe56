//! How an answer was reached: paths of steps from the asked identity to the privilege, and caveats.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One way an identity holds a privilege: `alice → analyst → reporting → SELECT on analytics.sales.orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Path {
    /// The path as one line, names joined by `→`.
    pub text: String,
    /// The same path, one step per edge taken.
    pub steps: Vec<Step>,
}

/// One edge of a path, and how it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum Step {
    /// `member` belongs to `role` and inherits its privileges.
    Membership { member: String, role: String },
    /// `grantee` was granted `privilege` on `resource`.
    Grant {
        grantee: String,
        privilege: String,
        resource: String,
        grant_option: bool,
    },
    /// `privilege` on `resource` is granted to PUBLIC, which every identity holds.
    Public { privilege: String, resource: String },
    /// `owner` owns `resource`, and with it every privilege it has not revoked from itself.
    Owner { owner: String, resource: String },
    /// `identity` is a superuser and passes every privilege check.
    Superuser { identity: String },
    /// The predefined `role` holds `privilege` on every relation without any grant.
    PredefinedRole {
        role: String,
        privilege: String,
        resource: String,
    },
    /// An IAM binding of `role` to `member` on `resource` (applies to everything below it).
    Binding {
        member: String,
        role: String,
        resource: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
    },
}

/// Something that qualifies an answer: `{"code": "no_schema_usage", "text": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Caveat {
    /// Stable machine-readable code (see docs/PATHS.md).
    pub code: String,
    pub text: String,
}

/// Builds a path's text and steps together so they cannot disagree.
#[derive(Default)]
pub(crate) struct PathBuilder {
    parts: Vec<String>,
    steps: Vec<Step>,
}

impl PathBuilder {
    pub fn start(name: &str) -> PathBuilder {
        PathBuilder {
            parts: vec![name.to_owned()],
            steps: Vec::new(),
        }
    }

    pub fn hop(&mut self, part: impl Into<String>, step: Option<Step>) -> &mut Self {
        self.parts.push(part.into());
        self.steps.extend(step);
        self
    }

    pub fn finish(self) -> Path {
        Path {
            text: self.parts.join(" → "),
            steps: self.steps,
        }
    }
}
