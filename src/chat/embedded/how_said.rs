//! "How do I get it?" answered: the roles that hold the privilege on the resource, the narrowest
//! first (the one that brings the fewest other privileges), each counted by `list_access`, and
//! how to ask for one. Every fact comes from the tools' answers.

/// A role that would give it, and how much else it holds.
pub struct Way {
    pub role: String,
    pub kind: String,
    /// Everything the role holds (from `list_access`'s total).
    pub holds: usize,
}

pub fn roles_that_give(
    privilege: &str,
    resource: &str,
    connection: &str,
    ways: &[Way],
    already: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(path) = already {
        out.push_str(&format!(
            "You already have {privilege} on {resource} ({connection}): {path}. "
        ));
    }
    if ways.is_empty() {
        out.push_str(&format!(
            "No role or group on {connection} holds {privilege} on {resource}, so there is none to join: ask for {privilege} on {resource} itself (say \"request {} on {resource} for 2 weeks because …\"); a reviewer decides.",
            privilege.to_lowercase()
        ));
        return out;
    }
    let listed: Vec<String> = ways
        .iter()
        .map(|w| format!("{} ({}, {} privileges in all)", w.role, w.kind, w.holds))
        .collect();
    let first = &ways[0];
    out.push_str(&format!(
        "{privilege} on {resource} ({connection}) comes with {}: {}. The narrowest is {}. To ask for it, say \"request the {} role for 2 weeks because …\" and I will draft the request; a reviewer decides, and I cannot approve it. Or ask for {privilege} on {resource} alone.",
        if ways.len() == 1 { "this role" } else { "these roles, narrowest first" },
        listed.join("; "),
        first.role,
        first.role
    ));
    out
}
