//! Runs Slack jobs: the calls the notifier queued (post, redraw, reply, tell) and the work behind
//! what Slack sent (a ✅, a button, the deny modal, a question), as the Slack user who did it and
//! through the same services and rules as REST. A call Slack refuses for now (down, 5xx, 429) is
//! retried, after `Retry-After` when Slack says, and never given up on; a refusal of ours (not a
//! reviewer, one's own request) is told to the person in an ephemeral message.

use super::Slack;
use super::client::SlackError;
use super::job::SlackJob;
use super::users::LookupError;
use crate::error::{ErrorCode, Problem};
use crate::jobs::{JobError, Outcome};
use crate::model::people::Person;
use crate::people::Principal;
use crate::requests::rules::Action;
use crate::requests::{AccessRequest, Approval, Status};
use crate::store::jobs::Job;
use serde_json::{Value, json};

/// What stops a Slack job.
impl From<SlackError> for JobError {
    fn from(e: SlackError) -> JobError {
        if e.retryable() {
            JobError::outage(e.to_string(), e.retry_after())
        } else {
            JobError::permanent(e.to_string())
        }
    }
}

impl From<LookupError> for JobError {
    fn from(e: LookupError) -> JobError {
        match e {
            LookupError::Slack(e) => e.into(),
            LookupError::Store(e) => e.into(),
        }
    }
}

impl Slack {
    pub(super) async fn run_job(&self, job: &Job) -> Result<Outcome, JobError> {
        let task = SlackJob::parse(job.payload.as_deref()).map_err(JobError::permanent)?;
        match task {
            SlackJob::Announce { request } => self.announce(&request).await?,
            SlackJob::Refresh { request } => self.refresh(&request).await?,
            SlackJob::Reply { request, text } => self.reply(&request, &text).await?,
            SlackJob::Tell {
                request: _,
                person,
                text,
            } => self.tell(&person, &text).await?,
            SlackJob::Say {
                channel,
                thread_ts,
                text,
            } => self.say(&channel, thread_ts.as_deref(), &text).await?,
            SlackJob::Reaction {
                user,
                channel,
                ts,
                added,
            } => self.reaction(&user, &channel, &ts, added).await?,
            SlackJob::Approve {
                user,
                request,
                channel,
            } => {
                if let Some(who) = self.known(&user, &channel).await? {
                    self.approve(&who, &user, &request, &channel).await?;
                }
            }
            SlackJob::Deny {
                user,
                request,
                channel,
                reason,
            } => {
                if let Some(who) = self.known(&user, &channel).await?
                    && let Err(e) = self.app().requests.deny(&who, &request, reason).await
                {
                    self.refused(&user, &channel, e).await?;
                }
            }
            SlackJob::Ask {
                user,
                channel,
                thread_ts,
                text,
            } => self.ask(job, &user, &channel, thread_ts, &text).await?,
        }
        Ok(Outcome::Done)
    }

    /// The request and the message drawn from it now.
    async fn render(&self, request: &str) -> Result<Option<(AccessRequest, Value)>, JobError> {
        let Some((req, _)) = self.app().store.request(request).await? else {
            return Ok(None);
        };
        let access = self.app().access.load();
        let held = crate::tools::held::of(&self.app().store, &access, &req).await?;
        let message = super::blocks::request_message(&req, &held, &self.inner.dashboard);
        Ok(Some((req, message)))
    }

    /// The request's channel message once posted: `None` when it has none (it was made before
    /// Slack was set up), an error to retry while its posting is still queued.
    async fn posted(&self, request: &str) -> Result<Option<(String, String)>, JobError> {
        match self.app().store.slack_message(request).await? {
            None => Ok(None),
            Some((channel, Some(ts))) => Ok(Some((channel, ts))),
            Some((_, None)) => Err(JobError::outage(
                format!("the channel message of {request} is not posted yet"),
                Some(std::time::Duration::from_secs(1)),
            )),
        }
    }

    async fn announce(&self, request: &str) -> Result<(), JobError> {
        let Some((channel, ts)) = self.app().store.slack_message(request).await? else {
            return Ok(());
        };
        // Posted by an earlier attempt whose end was lost: never twice.
        if ts.is_some() {
            return Ok(());
        }
        let Some((_, mut message)) = self.render(request).await? else {
            return Ok(());
        };
        message["channel"] = json!(channel);
        let posted = self.inner.client.post_message(&message).await?;
        self.app().store.slack_posted(request, &posted.ts).await?;
        Ok(())
    }

    async fn refresh(&self, request: &str) -> Result<(), JobError> {
        let Some((channel, ts)) = self.posted(request).await? else {
            return Ok(());
        };
        if let Some((_, message)) = self.render(request).await? {
            self.inner.client.update(&channel, &ts, &message).await?;
        }
        Ok(())
    }

    async fn reply(&self, request: &str, text: &str) -> Result<(), JobError> {
        let Some((channel, ts)) = self.posted(request).await? else {
            return Ok(());
        };
        self.say(&channel, Some(&ts), text).await
    }

    async fn say(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
    ) -> Result<(), JobError> {
        let mut message = json!({"channel": channel, "text": super::text::clip(text, 3900)});
        if let Some(ts) = thread_ts {
            message["thread_ts"] = json!(ts);
        }
        self.inner.client.post_message(&message).await?;
        Ok(())
    }

    /// A direct message to a person, when Slack knows them.
    async fn tell(&self, person: &str, text: &str) -> Result<(), JobError> {
        let Some(person) = self.app().store.find_person(person).await? else {
            return Ok(());
        };
        match self
            .inner
            .users
            .slack_id(&self.inner.client, &person)
            .await?
        {
            Some(user) => self.say(&user, None, text).await,
            None => {
                tracing::debug!(person = %person.name, "no Slack user for this person: not told");
                Ok(())
            }
        }
    }

    /// A message only `user` sees: ephemeral in a channel; in their direct messages (a `D…`
    /// channel, or none known) an ordinary one.
    async fn whisper(&self, user: &str, channel: &str, text: &str) -> Result<(), JobError> {
        if channel.is_empty() {
            return self.say(user, None, text).await;
        }
        if channel.starts_with('D') {
            return self.say(channel, None, text).await;
        }
        self.inner
            .client
            .post_ephemeral(channel, user, text, None)
            .await?;
        Ok(())
    }

    /// The Warden person behind a Slack user, or an ephemeral message saying there is none.
    async fn known(&self, user: &str, channel: &str) -> Result<Option<Principal>, JobError> {
        match self
            .inner
            .users
            .person(&self.inner.client, &self.app().store, user)
            .await?
        {
            Some(p) => Ok(Some(Principal::person(p))),
            None => {
                self.whisper(
                    user,
                    channel,
                    "Warden does not know you: ask an admin to add you as a person with the email \
                     your Slack profile shows (or to map your Slack user in [slack.users]). Nothing \
                     was changed.",
                )
                .await?;
                Ok(None)
            }
        }
    }

    /// A refusal by the rules, told to the person who tried; a store outage is retried.
    async fn refused(&self, user: &str, channel: &str, e: Problem) -> Result<(), JobError> {
        if e.code == ErrorCode::Unavailable || e.code == ErrorCode::Internal {
            return Err(e.into());
        }
        let text = format!("Nothing was changed: {}", super::text::esc(&e.message));
        self.whisper(user, channel, &text).await
    }

    async fn reaction(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        added: bool,
    ) -> Result<(), JobError> {
        let Some(request) = self.app().store.slack_request_at(channel, ts).await? else {
            return Ok(());
        };
        let Some(who) = self.known(user, channel).await? else {
            return Ok(());
        };
        if added {
            return self.approve(&who, user, &request, channel).await;
        }
        let Some((req, _)) = self.app().store.request(&request).await? else {
            return Ok(());
        };
        let text = match req.status() {
            Status::Open if req.approvals.is_empty() => {
                format!("Removing :white_check_mark: changes nothing: {request} is still open.")
            }
            status => format!(
                "Removing :white_check_mark: changes nothing: {request} stays {}. To take access \
                 back, revoke it in Warden: {}",
                status.as_str(),
                self.request_link(&request)
            ),
        };
        self.whisper(user, channel, &text).await
    }

    fn request_link(&self, request: &str) -> String {
        format!(
            "{}/requests/{request}",
            self.inner.dashboard.trim_end_matches('/')
        )
    }

    /// Approves as `who` with no choices (the default grantee), as `POST …/approve` with no body
    /// does. When the grantee must be chosen, the thread gets a button to the review card.
    async fn approve(
        &self,
        who: &Principal,
        user: &str,
        request: &str,
        channel: &str,
    ) -> Result<(), JobError> {
        let app = self.app();
        let access = app.access.load();
        if let Some((req, _)) = app.store.request(request).await?
            && crate::requests::rules::permitted(who, &req).contains(&Action::Approve)
        {
            let options = app.requests.grantee_options(&access, &req).await?;
            if options.iter().any(|o| o.default.is_none()) {
                return self.choose_in_warden(who, request).await;
            }
        }
        match app
            .requests
            .approve(&access, who, request, Approval::default())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => self.refused(user, channel, e).await,
        }
    }

    async fn choose_in_warden(&self, who: &Principal, request: &str) -> Result<(), JobError> {
        let Some((channel, ts)) = self.posted(request).await? else {
            return Ok(());
        };
        let name = who.person.as_ref().map_or("", |p: &Person| p.name.as_str());
        let text = format!(
            "{} wants to approve, but the identity or role to update must be chosen first: \
             choose it on the review card in Warden.",
            super::text::esc(name)
        );
        let message = json!({
            "channel": channel, "thread_ts": ts, "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "actions", "elements": [{
                    "type": "button", "action_id": super::blocks::OPEN,
                    "text": {"type": "plain_text", "text": "Choose the grantee in Warden"},
                    "url": self.request_link(request), "value": request,
                }]}
            ]
        });
        self.inner.client.post_message(&message).await?;
        Ok(())
    }

    /// Asks the assistant as the person, and queues the answer: a Slack outage then retries the
    /// answer's posting, never the question (which may have drafted a request).
    async fn ask(
        &self,
        job: &Job,
        user: &str,
        channel: &str,
        thread_ts: Option<String>,
        text: &str,
    ) -> Result<(), JobError> {
        let Some(who) = self.known(user, channel).await? else {
            return Ok(());
        };
        // One conversation per person per thread (or per direct-message channel).
        let thread = thread_ts.as_deref().unwrap_or("dm");
        let conversation = format!("slack-{channel}-{thread}-{user}");
        let answer = match self.app().chat_in(&who, text, &conversation).await {
            Ok(reply) => reply.answer,
            Err(e) if e.code == ErrorCode::Unavailable => return Err(e.into()),
            Err(e) => format!("I could not answer that: {}", e.message),
        };
        let say = SlackJob::Say {
            channel: channel.to_string(),
            thread_ts,
            text: answer,
        };
        let now = self.app().requests.clock().now().timestamp_millis();
        self.app()
            .store
            .slack_take(&format!("answer:{}", job.id), &[say.queued(now)])
            .await?;
        self.app().requests.wake().notify_one();
        Ok(())
    }
}
