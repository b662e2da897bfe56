//! What each audit event of a request means in Slack: the channel message redrawn, a line in its
//! thread, a direct message to the requester. One table, read by the notifier ([`super::follow`]).

use super::job::SlackJob;
use super::text::{esc, when};
use crate::model::audit::AuditEvent;
use serde_json::Value;

/// The Slack jobs of one event about `request` (whose requester is `requester`), in order.
pub fn jobs_for(event: &AuditEvent, request: &str, requester: &str) -> Vec<SlackJob> {
    let data = &event.data;
    let field = |k: &str| data.get(k).and_then(Value::as_str).map(esc);
    let by = esc(&event.actor);
    let reason = field("reason").map_or(String::new(), |r| format!(": {r}"));
    let manual = data.get("manual").and_then(Value::as_bool) == Some(true);
    let expires = field("expires_at")
        .and_then(|t| when(&t))
        .map_or(String::new(), |t| format!("; it expires {t}"));
    let error = field("error").unwrap_or_default();
    // (the thread's line, the requester's direct message)
    let (line, tell): (Option<String>, Option<String>) = match event.kind.as_str() {
        "created" | "extension_requested" => {
            return vec![SlackJob::Announce {
                request: request.to_string(),
            }];
        }
        "approved" => (
            Some(format!(":white_check_mark: Approved by {by}{reason}")),
            Some(format!(
                "Your request {request} was approved by {by}{reason}."
            )),
        ),
        "approvals_reset" => (
            Some(format!(
                "Earlier approvals no longer count: {by} chose another grantee"
            )),
            None,
        ),
        "denied" => (
            Some(format!(":x: Denied by {by}{reason}")),
            Some(format!(
                "Your request {request} was denied by {by}{reason}."
            )),
        ),
        "deleted" => (Some(format!("Deleted by {by}")), None),
        "provisioned" if manual => (
            Some(format!(
                "Granted by hand; marked provisioned by {by}{expires}"
            )),
            Some(format!("Your access from {request} is granted{expires}.")),
        ),
        "provisioned" => (
            Some(format!(":unlock: Granted on the platform{expires}")),
            Some(format!("Your access from {request} is granted{expires}.")),
        ),
        "manual_provisioning_needed" => (
            Some(
                ":warning: No live connector can grant this: an admin runs the statements \
                 shown in Warden and marks it provisioned"
                    .to_string(),
            ),
            None,
        ),
        "failed" => (
            Some(format!(":warning: Granting failed: {error}")),
            Some(format!(
                "Granting your request {request} failed; an admin will retry it or deny it."
            )),
        ),
        "retried" => (Some(format!("Granting retried by {by}")), None),
        "revoke_requested" => (Some(format!("Revoke asked for by {by}{reason}")), None),
        "revoke_failed" => (Some(format!(":warning: Revoking failed: {error}")), None),
        "revoked" => (
            Some(":lock: Revoked: the access is removed".to_string()),
            Some(format!("Your access from {request} was revoked.")),
        ),
        "expired" => (
            Some(":lock: Expired: the access is removed".to_string()),
            Some(format!(
                "Your access from {request} expired and is removed."
            )),
        ),
        "extended" => (Some(format!("Extended by {by}{expires}")), None),
        "extension_applied" => (Some("Closed: a later request extends it".to_string()), None),
        "expiry_reminder" => {
            let at = field("expires_at")
                .and_then(|t| when(&t))
                .unwrap_or_default();
            return vec![SlackJob::Tell {
                request: request.to_string(),
                person: requester.to_string(),
                text: format!(
                    "Your access from {request} expires {at}. Ask for an extension in Warden if you still need it."
                ),
            }];
        }
        _ => return Vec::new(),
    };
    let mut jobs = vec![SlackJob::Refresh {
        request: request.to_string(),
    }];
    jobs.extend(line.map(|text| SlackJob::Reply {
        request: request.to_string(),
        text,
    }));
    jobs.extend(tell.map(|text| SlackJob::Tell {
        request: request.to_string(),
        person: requester.to_string(),
        text,
    }));
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> AuditEvent {
        AuditEvent {
            seq: 1,
            at: "2026-12-06T10:00:00Z".into(),
            actor: "rita <&>".into(),
            kind: kind.into(),
            request_id: Some("req_1".into()),
            data,
            data_text: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_new_request_is_announced_once_and_nothing_else() {
        let jobs = jobs_for(&event("created", json!({})), "req_1", "maya");
        assert_eq!(
            jobs,
            [SlackJob::Announce {
                request: "req_1".into()
            }]
        );
    }

    #[test]
    fn a_denial_redraws_replies_and_tells_the_requester_with_the_reason_escaped() {
        let jobs = jobs_for(
            &event("denied", json!({"reason": "not <b>now</b>"})),
            "req_1",
            "maya",
        );
        assert!(matches!(jobs[0], SlackJob::Refresh { .. }));
        let SlackJob::Reply { text, .. } = &jobs[1] else {
            panic!("{jobs:?}")
        };
        assert!(
            text.contains("rita &lt;&amp;&gt;") && text.contains("not &lt;b&gt;now&lt;/b&gt;"),
            "{text}"
        );
        assert!(matches!(&jobs[2], SlackJob::Tell { person, .. } if person == "maya"));
    }

    #[test]
    fn the_requester_is_told_of_decisions_grants_reminders_and_endings_only() {
        let told = |kind: &str, data: Value| {
            jobs_for(&event(kind, data), "req_1", "maya")
                .into_iter()
                .any(|j| matches!(j, SlackJob::Tell { ref person, .. } if person == "maya"))
        };
        for kind in [
            "approved",
            "denied",
            "provisioned",
            "failed",
            "revoked",
            "expired",
        ] {
            assert!(told(kind, json!({})), "{kind}");
        }
        assert!(told(
            "expiry_reminder",
            json!({"expires_at": "2026-12-08T10:00:00.000000Z"})
        ));
        for kind in ["approvals_reset", "retried", "revoke_requested", "deleted"] {
            assert!(!told(kind, json!({})), "{kind}");
        }
        // A reminder is a message to the requester and nothing else; it names the time.
        let jobs = jobs_for(
            &event(
                "expiry_reminder",
                json!({"expires_at": "2026-12-08T10:00:00.000000Z"}),
            ),
            "req_1",
            "maya",
        );
        assert_eq!(jobs.len(), 1);
        assert!(
            matches!(&jobs[0], SlackJob::Tell { text, .. } if text.contains("2026-12-08 10:00 UTC"))
        );
    }

    #[test]
    fn events_slack_has_nothing_to_say_about_make_no_jobs() {
        for kind in [
            "tool_call",
            "drafted_by_ai",
            "handed_over",
            "sync",
            "nonsense",
        ] {
            assert!(
                jobs_for(&event(kind, json!({})), "req_1", "maya").is_empty(),
                "{kind}"
            );
        }
    }
}
