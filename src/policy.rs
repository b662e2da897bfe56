//! The request rules in `warden.toml`: how many approvals a resource needs, what is approved
//! without a reviewer, how provisioning jobs retry, and when expiry reminders go out.
//!
//! ```toml
//! [[approval_rules]]          # the highest count of all matching rules applies (default 1)
//! resources = "finance.*"     # a glob on the full name or any dotted suffix of it
//! connection = "warehouse"    # optional
//! approvals = 2
//!
//! [[auto_approve]]            # never for requests drafted by an AI or an agent
//! resources = "marketing.*"
//! privileges = ["SELECT"]
//! max_duration = "8h"         # a request without a duration, or a longer one, is not covered
//!
//! [jobs]
//! lease = "60s"               # a claimed job another server may take over after this
//! max_attempts = 5
//! backoff = "2s"              # doubled after every failed attempt
//!
//! [requests]
//! remind_before = "1d"
//! ```

use crate::model::Duration;
use serde::Deserialize;

/// More approvals for matching resources or roles.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    pub resources: String,
    #[serde(default)]
    pub connection: Option<String>,
    pub approvals: u32,
}

/// Requests approved without a reviewer: every resource matches, every privilege is listed, no
/// roles are asked for, and the duration is given and no longer than `max_duration`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoApprove {
    pub resources: String,
    #[serde(default)]
    pub connection: Option<String>,
    pub privileges: Vec<String>,
    pub max_duration: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    pub lease: Duration,
    pub max_attempts: u32,
    pub backoff: Duration,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            lease: Duration::from_secs(60),
            max_attempts: 5,
            backoff: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestsConfig {
    /// How long before an expiry the reminder goes out.
    pub remind_before: Duration,
}

impl Default for RequestsConfig {
    fn default() -> RequestsConfig {
        RequestsConfig {
            remind_before: Duration::from_secs(86_400),
        }
    }
}

/// Does `pattern` (a glob where `*` matches any run of characters, case-insensitive) match
/// `name` or one of its dotted suffixes? `finance.*` matches `prod.finance.invoices`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.trim().to_lowercase();
    let name = name.to_lowercase();
    let mut rest = name.as_str();
    loop {
        if glob(pattern.as_bytes(), rest.as_bytes()) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, tail)) => rest = tail,
            None => return false,
        }
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with one backtrack point: linear in practice.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_names_and_their_suffixes() {
        assert!(matches("finance.*", "prod.finance.invoices"));
        assert!(matches("finance.*", "finance.invoices"));
        assert!(matches("FINANCE.*", "prod.finance.invoices"));
        assert!(matches("prod.*.invoices", "prod.finance.invoices"));
        assert!(matches("*", "anything"));
        assert!(!matches("finance.*", "prod.financex.invoices"));
        assert!(!matches("finance.*", "prod.marketing.finance"));
        assert!(!matches("finance", "prod.finance.invoices"));
        assert!(matches("marketing.camp*", "prod.marketing.campaigns"));
    }
}
