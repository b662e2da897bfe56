//! Requests put into words for chat: a list of them ("You have 2 open requests: …") and one
//! request's state with what happened to it. Every fact comes from the tool's answer.

use super::compose::asked_for;
use crate::requests::{AccessRequest, RequestWithHistory, Status};

/// Where it stands, with who decided and why.
fn state(r: &AccessRequest) -> String {
    match r.status() {
        Status::Open => {
            let left = r
                .approvals_required
                .saturating_sub(r.approvals.len() as u32)
                .max(1);
            format!(
                "open, waiting for {left} approval{}",
                if left == 1 { "" } else { "s" }
            )
        }
        Status::Denied => match &r.denial {
            Some(d) => match &d.reason {
                Some(why) => format!("denied by {} ({why})", d.reviewer),
                None => format!("denied by {}", d.reviewer),
            },
            None => "denied".into(),
        },
        Status::Active => match r.expires_at {
            Some(at) => format!("active until {}", at.format("%Y-%m-%d %H:%M UTC")),
            None => "active until revoked".into(),
        },
        Status::Approved => {
            let by: Vec<&str> = r.approvals.iter().map(|a| a.reviewer.as_str()).collect();
            format!("approved by {}, being granted", by.join(" and "))
        }
        Status::Failed => format!(
            "failed: {}",
            r.error.as_deref().unwrap_or("granting did not succeed")
        ),
        other => other.as_str().to_string(),
    }
}

/// One line per request.
fn line(r: &AccessRequest, with_requester: bool) -> String {
    let who = if with_requester {
        format!(" by {}", r.requester)
    } else {
        String::new()
    };
    format!(
        "- {}{who}: {} — {} (asked {})",
        r.id,
        asked_for(r),
        state(r),
        r.created_at.format("%Y-%m-%d")
    )
}

/// A list of requests: `owner` is whose ("you", a name; none: everyone's the asker may see),
/// `status` the state asked for.
pub fn list(
    requests: &[AccessRequest],
    owner: Option<&str>,
    status: Option<&str>,
    more: bool,
) -> String {
    let kind = status.map_or("requests".to_string(), |s| format!("{s} requests"));
    if requests.is_empty() {
        return match owner {
            Some("you") => format!("You have no {kind}."),
            Some(name) => format!("{name} has no {kind} that you can see."),
            None => format!("There are no {kind} that you can see."),
        };
    }
    let with_requester = owner.is_none();
    let lines: Vec<String> = requests.iter().map(|r| line(r, with_requester)).collect();
    let count = if more {
        format!("the newest {}", requests.len())
    } else {
        requests.len().to_string()
    };
    let whose = match owner {
        Some("you") => "Your".to_string(),
        Some(name) => format!("{name}'s"),
        None => "The".to_string(),
    };
    let mut out = format!("{whose} {kind} ({count}):\n{}", lines.join("\n"));
    if requests.iter().any(|r| r.status() == Status::Open) {
        out.push_str(
            "\nA reviewer decides open ones (in the dashboard, Slack or the API); I can list and explain them, not decide them.",
        );
    }
    out
}

/// One request's state, and the last things that happened to it.
pub fn one(r: &RequestWithHistory) -> String {
    let req = &r.request;
    let mut out = format!(
        "{} ({} for {}) is {}.",
        req.id,
        asked_for(req),
        req.requester,
        state(req)
    );
    let events: Vec<String> = r
        .history
        .iter()
        .rev()
        .take(3)
        .map(|e| {
            format!(
                "{} by {} at {}",
                e.kind.replace('_', " "),
                e.actor,
                &e.at[..16.min(e.at.len())]
            )
        })
        .collect();
    if !events.is_empty() {
        out.push_str(&format!(" Latest: {}.", events.join("; ")));
    }
    out.push_str(&format!(" Details at /v1/requests/{}.", req.id));
    out
}
