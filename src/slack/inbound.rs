//! What Slack sends, read: an Events API callback or an interaction payload, turned into the
//! jobs that act on it (and the id that makes a replay change nothing). Only the shapes Slack
//! documents are read; anything else is ignored, never an error Slack would retry.

use super::blocks::{APPROVE, DENY};
use super::job::SlackJob;
use serde_json::Value;

/// The reaction that approves: ✅.
pub const APPROVAL_REACTION: &str = "white_check_mark";
/// The deny modal's `callback_id`.
pub const DENY_MODAL: &str = "warden_deny";

/// What to do about one callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// `url_verification`: answer the challenge.
    Challenge(String),
    /// Queue these jobs, once for this id.
    Take { id: String, jobs: Vec<SlackJob> },
    /// `Deny` pressed: open the modal that asks the reason (now: its trigger lasts 3 seconds).
    AskReason {
        trigger_id: String,
        request: String,
        channel: String,
    },
    /// Nothing to do (another event type, a bot's own message, a link button).
    Ignore,
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn owned(v: &Value, path: &[&str]) -> Option<String> {
    s(v, path).map(str::to_string)
}

/// An Events API body.
pub fn event(body: &[u8]) -> Result<Inbound, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    match s(&v, &["type"]) {
        Some("url_verification") => {
            let challenge =
                owned(&v, &["challenge"]).ok_or("url_verification without challenge")?;
            Ok(Inbound::Challenge(challenge))
        }
        Some("event_callback") => {
            let id = owned(&v, &["event_id"]).ok_or("event_callback without event_id")?;
            let e = v.get("event").ok_or("event_callback without event")?;
            Ok(match event_jobs(e) {
                Some(job) => Inbound::Take {
                    id: format!("event:{id}"),
                    jobs: vec![job],
                },
                None => Inbound::Ignore,
            })
        }
        _ => Ok(Inbound::Ignore),
    }
}

fn event_jobs(e: &Value) -> Option<SlackJob> {
    let user = owned(e, &["user"])?;
    match s(e, &["type"])? {
        kind @ ("reaction_added" | "reaction_removed") => {
            if s(e, &["reaction"])? != APPROVAL_REACTION || s(e, &["item", "type"])? != "message" {
                return None;
            }
            Some(SlackJob::Reaction {
                user,
                channel: owned(e, &["item", "channel"])?,
                ts: owned(e, &["item", "ts"])?,
                added: kind == "reaction_added",
            })
        }
        "app_mention" => Some(SlackJob::Ask {
            user,
            channel: owned(e, &["channel"])?,
            thread_ts: owned(e, &["thread_ts"]).or_else(|| owned(e, &["ts"])),
            text: without_mentions(s(e, &["text"]).unwrap_or_default()),
        }),
        // A direct message from a person: not a bot (its own answers), not an edit or a join.
        "message"
            if s(e, &["channel_type"]) == Some("im")
                && e.get("bot_id").is_none()
                && e.get("subtype").is_none() =>
        {
            Some(SlackJob::Ask {
                user,
                channel: owned(e, &["channel"])?,
                thread_ts: owned(e, &["thread_ts"]),
                text: without_mentions(s(e, &["text"]).unwrap_or_default()),
            })
        }
        _ => None,
    }
}

/// The text without `<@U123>` mentions (the bot's name is not part of the question).
fn without_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An interaction's `payload` (the JSON inside the form field).
pub fn interaction(payload: &str) -> Result<Inbound, String> {
    let v: Value =
        serde_json::from_str(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let user = owned(&v, &["user", "id"]).ok_or("payload without user.id")?;
    match s(&v, &["type"]) {
        Some("block_actions") => {
            let action = v
                .get("actions")
                .and_then(|a| a.get(0))
                .ok_or("block_actions without actions")?;
            let request = owned(action, &["value"]).unwrap_or_default();
            let channel = owned(&v, &["channel", "id"])
                .or_else(|| owned(&v, &["container", "channel_id"]))
                .unwrap_or_default();
            let trigger_id =
                owned(&v, &["trigger_id"]).ok_or("block_actions without trigger_id")?;
            Ok(match s(action, &["action_id"]) {
                Some(APPROVE) if !request.is_empty() => Inbound::Take {
                    id: format!("action:{trigger_id}"),
                    jobs: vec![SlackJob::Approve {
                        user,
                        request,
                        channel,
                    }],
                },
                Some(DENY) if !request.is_empty() => Inbound::AskReason {
                    trigger_id,
                    request,
                    channel,
                },
                _ => Inbound::Ignore,
            })
        }
        Some("view_submission") if s(&v, &["view", "callback_id"]) == Some(DENY_MODAL) => {
            let view_id = owned(&v, &["view", "id"]).ok_or("view_submission without view.id")?;
            let meta = s(&v, &["view", "private_metadata"]).unwrap_or_default();
            let (request, channel) = meta.split_once(' ').unwrap_or((meta, ""));
            if request.is_empty() {
                return Err("the deny modal's private_metadata names no request".into());
            }
            let reason = s(
                &v,
                &["view", "state", "values", "reason", "reason", "value"],
            )
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
            Ok(Inbound::Take {
                id: format!("view:{view_id}"),
                jobs: vec![SlackJob::Deny {
                    user,
                    request: request.to_string(),
                    channel: channel.to_string(),
                    reason,
                }],
            })
        }
        _ => Ok(Inbound::Ignore),
    }
}

/// The modal that asks a reviewer why they deny `request` (`private_metadata` carries the
/// request and the channel to answer in).
pub fn deny_modal(request: &str, channel: &str) -> Value {
    serde_json::json!({
        "type": "modal",
        "callback_id": DENY_MODAL,
        "private_metadata": format!("{request} {channel}"),
        "title": {"type": "plain_text", "text": "Deny the request"},
        "submit": {"type": "plain_text", "text": "Deny"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{
            "type": "input",
            "block_id": "reason",
            "optional": true,
            "label": {"type": "plain_text", "text": format!("Why deny {request}?")},
            "element": {"type": "plain_text_input", "action_id": "reason", "multiline": true, "max_length": 2000}
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// Whatever arrives (signed, so it got this far): an answer or a one-line error, never a
        /// panic; and a question keeps its text whole, curly quotes, `İ` and emoji included.
        #[test]
        fn any_body_is_read_or_refused_in_one_line(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in "\\PC{0,200}",
            kind in prop::sample::select(vec!["app_mention", "message", "reaction_added", "reaction_removed", "team_join"]),
        ) {
            for result in [event(&bytes), interaction(&String::from_utf8_lossy(&bytes))] {
                if let Err(e) = result {
                    prop_assert!(!e.contains('\n'), "{}", e);
                }
            }
            let body = json!({"type": "event_callback", "event_id": "Ev", "event": {
                "type": kind, "user": "U1", "channel": "C1", "channel_type": "im", "ts": "1.1",
                "text": text, "reaction": text, "item": {"type": "message", "channel": "C1", "ts": text}}});
            let read = event(body.to_string().as_bytes());
            prop_assert!(read.is_ok());
            if let Ok(Inbound::Take { jobs, .. }) = read
                && let Some(SlackJob::Ask { text: asked, .. }) = jobs.first()
            {
                prop_assert_eq!(asked, &without_mentions(&text));
            }
        }
    }

    #[test]
    fn a_check_mark_on_a_message_is_a_reaction_job_and_other_emoji_are_not() {
        let body = |reaction: &str| {
            json!({"type": "event_callback", "event_id": "Ev1", "event": {
                "type": "reaction_added", "user": "U1", "reaction": reaction,
                "item": {"type": "message", "channel": "C1", "ts": "1.2"}}})
            .to_string()
        };
        let Inbound::Take { id, jobs } = event(body("white_check_mark").as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(id, "event:Ev1");
        assert_eq!(
            jobs,
            [SlackJob::Reaction {
                user: "U1".into(),
                channel: "C1".into(),
                ts: "1.2".into(),
                added: true
            }]
        );
        assert_eq!(event(body("thumbsup").as_bytes()).unwrap(), Inbound::Ignore);
    }

    #[test]
    fn a_mention_is_a_question_without_the_mention_and_a_bot_message_is_nothing() {
        let b = json!({"type": "event_callback", "event_id": "Ev2", "event": {
            "type": "app_mention", "user": "U1", "channel": "C1", "ts": "3.4",
            "text": "<@UBOT>  can maya read  sales.orders?"}});
        let Inbound::Take { jobs, .. } = event(b.to_string().as_bytes()).unwrap() else {
            panic!()
        };
        assert!(
            matches!(&jobs[0], SlackJob::Ask { text, thread_ts: Some(t), .. } if text == "can maya read sales.orders?" && t == "3.4")
        );
        let own = json!({"type": "event_callback", "event_id": "Ev3", "event": {
            "type": "message", "channel_type": "im", "user": "UBOT", "bot_id": "B1",
            "channel": "D1", "ts": "5.6", "text": "an answer"}});
        assert_eq!(event(own.to_string().as_bytes()).unwrap(), Inbound::Ignore);
    }

    #[test]
    fn broken_bodies_are_errors_and_unknown_types_are_ignored() {
        assert!(event(b"not json").is_err());
        assert!(event(br#"{"type":"event_callback"}"#).is_err());
        assert_eq!(
            event(br#"{"type":"app_rate_limited"}"#).unwrap(),
            Inbound::Ignore
        );
        assert!(interaction("{}").is_err());
    }

    #[test]
    fn buttons_and_the_deny_modal_round_trip() {
        let press = |action: &str| {
            json!({"type": "block_actions", "user": {"id": "U1"}, "trigger_id": "T9",
                "channel": {"id": "C1"}, "actions": [{"action_id": action, "value": "req_1"}]})
            .to_string()
        };
        assert!(
            matches!(interaction(&press("approve")).unwrap(), Inbound::Take { id, .. } if id == "action:T9")
        );
        let Inbound::AskReason {
            request, channel, ..
        } = interaction(&press("deny")).unwrap()
        else {
            panic!()
        };
        let modal = deny_modal(&request, &channel);
        let submitted = json!({"type": "view_submission", "user": {"id": "U1"}, "view": {
            "id": "V1", "callback_id": modal["callback_id"], "private_metadata": modal["private_metadata"],
            "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": " not now "}}}}}});
        let Inbound::Take { jobs, .. } = interaction(&submitted.to_string()).unwrap() else {
            panic!()
        };
        assert_eq!(
            jobs,
            [SlackJob::Deny {
                user: "U1".into(),
                request: "req_1".into(),
                channel: "C1".into(),
                reason: Some("not now".into())
            }]
        );
        assert_eq!(interaction(&press("open")).unwrap(), Inbound::Ignore);
    }
}
