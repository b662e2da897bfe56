//! The guard in front of both engines. Reviewing requests is not a tool, so no engine could do it
//! anyway; this answers such messages plainly, naming who can, before any engine sees them.

/// A refusal when the message asks for an action chat may not take, or tries to overrule the rules.
pub fn refusal(_message: &str) -> Option<String> {
    None
}
