//! A request's message in the reviewers' channel, in Block Kit: who asks for what, why, for how
//! long, who drafted it, what the requester holds now and through which path, how many approvals
//! are still needed, where it stands, and the buttons its state allows. Every text is escaped
//! and clipped to Slack's limits here.

use super::text::{clip, esc, when};
use crate::model::request::Status;
use crate::requests::AccessRequest;
use crate::tools::held::Held;
use serde_json::{Value, json};

/// Slack's limits: a section's text, a field's text, a button's text.
const SECTION_MAX: usize = 3000;
const FIELD_MAX: usize = 2000;
/// Lines of current access shown (the rest are counted).
const HELD_SHOWN: usize = 8;

/// The `action_id`s of the buttons.
pub const APPROVE: &str = "approve";
pub const DENY: &str = "deny";
pub const OPEN: &str = "open";

/// The message (`text` for notifications and screen readers, `blocks` for the rest), without
/// its channel.
pub fn request_message(r: &AccessRequest, held: &[Held], dashboard: &str) -> Value {
    let link = format!("{}/requests/{}", dashboard.trim_end_matches('/'), r.id);
    let asked = asked(r);
    let summary = clip(
        &format!(
            "{} asks for {asked} ({})",
            esc(&r.requester),
            r.status().as_str()
        ),
        SECTION_MAX,
    );
    let mut fields = vec![
        field("Requester", &esc(&r.requester)),
        field("Status", &status_line(r)),
        field("Asks for", &asked),
        field(
            "For",
            &r.duration
                .map_or("until revoked".to_string(), |d| d.to_string()),
        ),
        field("Drafted by", &drafted_by(r)),
        field("Approvals", &approvals(r)),
    ];
    if let Some(at) = r.expires_at {
        fields.push(field(
            "Expires",
            &when(&crate::model::time::stamp(at)).unwrap_or_default(),
        ));
    }
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": summary}}),
        json!({"type": "section", "fields": fields}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(
            &format!("*Reason:* {}", r.reason.as_deref().map_or("(none given)".to_string(), esc)),
            SECTION_MAX,
        )}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": current_access(r, held)}}),
    ];
    if let Some(error) = &r.error {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": clip(&format!(":warning: {}", esc(error)), FIELD_MAX)}
        ]}));
    }
    let mut buttons = Vec::new();
    if r.status() == Status::Open {
        buttons.push(json!({
            "type": "button", "action_id": APPROVE, "style": "primary", "value": r.id,
            "text": {"type": "plain_text", "text": "Approve"},
        }));
        buttons.push(json!({
            "type": "button", "action_id": DENY, "style": "danger", "value": r.id,
            "text": {"type": "plain_text", "text": "Deny"},
        }));
    }
    buttons.push(json!({
        "type": "button", "action_id": OPEN, "url": link, "value": r.id,
        "text": {"type": "plain_text", "text": "Open in Warden"},
    }));
    blocks.push(
        json!({"type": "actions", "block_id": format!("request:{}", r.id), "elements": buttons}),
    );
    json!({"text": summary, "blocks": blocks, "unfurl_links": false})
}

fn field(label: &str, value: &str) -> Value {
    json!({"type": "mrkdwn", "text": clip(&format!("*{label}:*\n{value}"), FIELD_MAX)})
}

/// `SELECT, INSERT on warehouse:sales.orders; membership of reporting`
fn asked(r: &AccessRequest) -> String {
    let mut parts = Vec::new();
    if !r.resources.is_empty() {
        let privileges: Vec<&str> = r.privileges.iter().map(|p| p.as_str()).collect();
        let on: Vec<String> = r
            .resources
            .iter()
            .map(|x| format!("{}:{}", x.connection, x.name))
            .collect();
        parts.push(format!("{} on {}", privileges.join(", "), on.join(", ")));
    }
    for role in &r.roles {
        parts.push(format!("membership of {}:{}", role.connection, role.name));
    }
    esc(&parts.join("; "))
}

fn drafted_by(r: &AccessRequest) -> String {
    esc(&r.drafted_by.describe())
}

fn approvals(r: &AccessRequest) -> String {
    let (have, need) = (r.approvals.len() as u32, r.approvals_required);
    let by: Vec<String> = r.approvals.iter().map(|a| esc(&a.reviewer)).collect();
    if r.status() == Status::Open {
        let left = need.saturating_sub(have).max(1);
        if have == 0 {
            format!("{left} needed")
        } else {
            format!(
                "{have} of {need} (by {}); {left} more needed",
                by.join(", ")
            )
        }
    } else if have == 0 {
        "none".to_string()
    } else {
        format!("{have} (by {})", by.join(", "))
    }
}

/// Where the request stands, in words, with who decided.
fn status_line(r: &AccessRequest) -> String {
    let by = |d: &crate::model::request::Decision| {
        let reason = d
            .reason
            .as_deref()
            .map_or(String::new(), |x| format!(": {}", esc(x)));
        format!("{}{reason}", esc(&d.reviewer))
    };
    match r.status() {
        Status::Open => ":hourglass: Open, waiting for review".to_string(),
        Status::Approved if r.is_manual() => {
            ":warning: Approved; an admin grants it by hand".to_string()
        }
        Status::Approved => ":white_check_mark: Approved; granting".to_string(),
        Status::Active if r.is_revoking() => ":unlock: Active; revoking".to_string(),
        Status::Active => ":unlock: Active: granted".to_string(),
        Status::Closed => ":lock: Closed: the access is removed".to_string(),
        Status::Denied => match &r.denial {
            Some(d) => format!(":x: Denied by {}", by(d)),
            None => ":x: Denied".to_string(),
        },
        Status::Deleted => "Deleted".to_string(),
        Status::Failed => ":warning: Failed: granting did not succeed".to_string(),
    }
}

/// The requester's access now to what is asked, with the paths behind it.
fn current_access(r: &AccessRequest, held: &[Held]) -> String {
    let mut lines = vec![format!("*{}'s access now:*", esc(&r.requester))];
    for h in held.iter().take(HELD_SHOWN) {
        let who = if h.identity.is_empty() {
            String::new()
        } else {
            format!("{} ", esc(&h.identity))
        };
        let line = match (h.held, h.paths.first()) {
            (true, Some(path)) => format!("• {who}holds {}: {}", esc(&h.what), esc(path)),
            (true, None) => format!("• {who}holds {}", esc(&h.what)),
            (false, _) => {
                let note = h
                    .notes
                    .first()
                    .map_or(String::new(), |n| format!(" ({})", esc(n)));
                format!("• {who}does not hold {}{note}", esc(&h.what))
            }
        };
        lines.push(line);
    }
    if held.len() > HELD_SHOWN {
        lines.push(format!("…and {} more in Warden", held.len() - HELD_SHOWN));
    }
    if held.is_empty() {
        lines.push("• nothing to check".to_string());
    }
    clip(&lines.join("\n"), SECTION_MAX)
}
