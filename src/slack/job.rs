//! A Slack job's payload: one call to Slack for one audit event, or one thing Slack told us
//! (a reaction, a button, a modal, a question) to act on as the Slack user who did it. Each is a
//! job in the one queue, so a Slack outage delays it and never loses it, and an acknowledgement to
//! Slack never waits for the work.

use crate::store::jobs::{JobKind, NewJob};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum SlackJob {
    /// Post a new request's message in the reviewers' channel.
    Announce { request: String },
    /// Redraw the request's channel message as the request now stands.
    Refresh { request: String },
    /// A reply in the request message's thread, for one event.
    Reply { request: String, text: String },
    /// A message of the assistant's (its answer) in a channel, in a thread when given.
    Say {
        channel: String,
        thread_ts: Option<String>,
        text: String,
    },
    /// A direct message to a person (by Warden name) about their request.
    Tell {
        request: String,
        person: String,
        text: String,
    },
    /// A ✅ added (or removed) by `user` on the message `ts` in `channel`.
    Reaction {
        user: String,
        channel: String,
        ts: String,
        added: bool,
    },
    /// `Approve` pressed on a request's message.
    Approve {
        user: String,
        request: String,
        channel: String,
    },
    /// The deny modal submitted, with its reason.
    Deny {
        user: String,
        request: String,
        channel: String,
        reason: Option<String>,
    },
    /// A question for the assistant: a mention in a channel, or a direct message.
    Ask {
        user: String,
        channel: String,
        /// The thread to answer in (a mention's); none in a direct message.
        thread_ts: Option<String>,
        text: String,
    },
}

impl SlackJob {
    /// The request it is about ("" for a question), which the job row carries.
    pub fn request(&self) -> &str {
        match self {
            SlackJob::Announce { request }
            | SlackJob::Refresh { request }
            | SlackJob::Reply { request, .. }
            | SlackJob::Tell { request, .. }
            | SlackJob::Approve { request, .. }
            | SlackJob::Deny { request, .. } => request,
            SlackJob::Reaction { .. } | SlackJob::Ask { .. } | SlackJob::Say { .. } => "",
        }
    }

    /// As a job due at `run_at` (unix ms).
    pub fn queued(&self, run_at: i64) -> NewJob {
        NewJob {
            request_id: self.request().to_string(),
            kind: JobKind::Slack,
            run_at,
            // A payload of our own making always serialises.
            payload: serde_json::to_string(self).ok(),
        }
    }

    /// The payload of a Slack job as stored.
    pub fn parse(payload: Option<&str>) -> Result<SlackJob, String> {
        let text = payload.ok_or("a Slack job without a payload")?;
        serde_json::from_str(text).map_err(|e| format!("a Slack job's payload does not parse: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::SlackJob;

    #[test]
    fn round_trips_through_its_row() {
        let jobs = [
            SlackJob::Reply {
                request: "req_1".into(),
                text: "Approved by “rita” ✅".into(),
            },
            SlackJob::Ask {
                user: "U1".into(),
                channel: "D1".into(),
                thread_ts: Some("1.2".into()),
                text: "can İ read sales?".into(),
            },
        ];
        for job in jobs {
            let row = job.queued(5);
            assert_eq!(row.request_id, job.request());
            assert_eq!(SlackJob::parse(row.payload.as_deref()).unwrap(), job);
        }
        assert!(SlackJob::parse(None).is_err());
        assert!(SlackJob::parse(Some("{\"do\":\"explode\"}")).is_err());
    }
}
