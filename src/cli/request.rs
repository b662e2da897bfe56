//! `warden request …`: reviewers (and requesters) working the request workflow from a shell.
//! Every action runs as the person named by `--as`, through the same request service and rights
//! checks as REST: a requester cannot approve, a reviewer cannot approve their own request, and
//! the operator's blanket rights are never used.

use super::Output;
use crate::app::App;
use crate::error::Problem;
use crate::model::time::stamp;
use crate::people::Principal;
use crate::requests::{AccessRequest, Approval, Status};
use clap::{Args, Subcommand};
use serde_json::json;
use std::collections::BTreeMap;

/// The person a command acts as (required: there is no default with more rights).
#[derive(Args, Debug)]
pub struct Actor {
    /// The person acting (name or email): their rights, exactly as over REST.
    #[arg(long = "as", value_name = "PERSON")]
    pub person: String,
}

#[derive(Subcommand, Debug)]
pub enum RequestAction {
    /// Requests the person may see, newest first (a requester: their own).
    #[command(after_help = "Example: warden request list --status open --as carol")]
    List {
        #[command(flatten)]
        actor: Actor,
        /// open, approved, active, closed, denied, deleted or failed (default: all but deleted).
        #[arg(long)]
        status: Option<String>,
        /// One person's requests (name or email).
        #[arg(long)]
        requester: Option<String>,
        /// Requests asking for this resource (`sales.orders`, or `CONNECTION/NAME`).
        #[arg(long)]
        resource: Option<String>,
        /// Requests per page (1 to 1000, default 100).
        #[arg(long)]
        limit: Option<u32>,
        /// The page after the one that gave this cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One request with its history.
    #[command(after_help = "Example: warden request show req_3f9a0c1d2e4b5a68 --as carol")]
    Show {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Approve a request (reviewers; never their own); may narrow it, never widen it.
    #[command(
        after_help = "Example: warden request approve req_3f9a0c1d2e4b5a68 --as carol --grantee warehouse=analysts --privilege SELECT --duration 7d"
    )]
    Approve {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
        /// The identity or role to update on a connection, as CONNECTION=NAME (repeat for
        /// several connections); default: the requester's own identity there.
        #[arg(long, value_name = "CONNECTION=NAME")]
        grantee: Vec<String>,
        /// Grant only these of the privileges asked for (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        privilege: Vec<String>,
        /// A shorter duration than asked for (`8h`, `7d`).
        #[arg(long)]
        duration: Option<String>,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Deny an open or failed request (reviewers).
    #[command(
        after_help = "Example: warden request deny req_3f9a0c1d2e4b5a68 --as carol --reason \"use the reporting view\""
    )]
    Deny {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
        /// Why, shown to the requester.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Revoke an active request now (reviewers).
    #[command(after_help = "Example: warden request revoke req_3f9a0c1d2e4b5a68 --as carol")]
    Revoke {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Ask for more time: a new request linked to this one, reviewed like any other.
    #[command(
        after_help = "Example: warden request extend req_3f9a0c1d2e4b5a68 --as maya --duration 7d"
    )]
    Extend {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
        /// How much more time (`8h`, `7d`, `2w`).
        #[arg(long)]
        duration: String,
        /// Why, for the reviewer.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Delete an open request (its requester, or an admin); it is kept as `deleted`.
    #[command(after_help = "Example: warden request delete req_3f9a0c1d2e4b5a68 --as maya")]
    Delete {
        /// The request's id (`req_…`).
        id: String,
        #[command(flatten)]
        actor: Actor,
    },
}

/// Runs one request command as its `--as` person.
pub async fn run(app: &App, action: RequestAction) -> Result<Output, Problem> {
    let who = |actor: &Actor| {
        let name = actor.person.clone();
        async move {
            let person = app.people.person(&name).await.map_err(|e| e.at("--as"))?;
            Ok::<_, Problem>(Principal::person(person))
        }
    };
    let requests = &app.requests;
    match action {
        RequestAction::List {
            actor,
            status,
            requester,
            resource,
            limit,
            cursor,
        } => {
            let who = who(&actor).await?;
            let status = status
                .as_deref()
                .map(|s| Status::parse(s).map_err(|m| Problem::invalid("--status", m)))
                .transpose()?;
            let limit = match limit {
                None => 100,
                Some(l @ 1..=1000) => i64::from(l),
                Some(l) => {
                    return Err(Problem::invalid(
                        "--limit",
                        format!("{l} is not between 1 and 1000"),
                    ));
                }
            };
            let (items, next_cursor) = requests
                .list(
                    &who,
                    status,
                    requester.as_deref(),
                    resource.as_deref(),
                    cursor.as_deref(),
                    limit,
                )
                .await?;
            let mut text = if items.is_empty() {
                "no requests".to_string()
            } else {
                items.iter().map(line).collect::<Vec<_>>().join("\n")
            };
            if let Some(c) = &next_cursor {
                text.push_str(&format!("\nmore: --cursor {c}"));
            }
            Ok(Output::ok(
                json!({"items": items, "next_cursor": next_cursor}),
                text,
            ))
        }
        RequestAction::Show { id, actor } => {
            let found = requests.get(&who(&actor).await?, &id).await?;
            let mut text = details(&found.request);
            text.push_str("\nhistory:");
            for e in &found.history {
                text.push_str(&format!("\n  {}  {} by {}", e.at, e.kind, e.actor));
            }
            done(&found, text)
        }
        RequestAction::Approve {
            id,
            actor,
            grantee,
            privilege,
            duration,
            reason,
        } => {
            let who = who(&actor).await?;
            let approval = Approval {
                grantee: grantees(&grantee)?,
                privileges: (!privilege.is_empty()).then_some(privilege),
                duration,
                reason,
            };
            let access = app.access.load();
            let r = requests
                .approve(&access, &who, &id, approval)
                .await
                .map_err(flags)?;
            let text = details(&r);
            done(&r, text)
        }
        RequestAction::Deny { id, actor, reason } => {
            let r = requests
                .deny(&who(&actor).await?, &id, reason)
                .await
                .map_err(flags)?;
            let text = details(&r);
            done(&r, text)
        }
        RequestAction::Revoke { id, actor, reason } => {
            let r = requests
                .revoke(&who(&actor).await?, &id, reason)
                .await
                .map_err(flags)?;
            let text = details(&r);
            done(&r, text)
        }
        RequestAction::Extend {
            id,
            actor,
            duration,
            reason,
        } => {
            let who = who(&actor).await?;
            let access = app.access.load();
            let r = requests
                .extend(&access, &who, &id, &duration, reason)
                .await
                .map_err(flags)?;
            let text = format!("{}\n(extends {id}; a reviewer approves it)", details(&r));
            done(&r, text)
        }
        RequestAction::Delete { id, actor } => {
            requests.delete(&who(&actor).await?, &id).await?;
            Ok(Output::ok(
                json!({"id": id, "status": "deleted"}),
                format!("{id} deleted (kept as `deleted`)"),
            ))
        }
    }
}

/// `CONNECTION=NAME` pairs as an approval's grantee map; a malformed or repeated one is named.
fn grantees(given: &[String]) -> Result<Option<BTreeMap<String, String>>, Problem> {
    if given.is_empty() {
        return Ok(None);
    }
    let mut map = BTreeMap::new();
    for g in given {
        let (conn, name) = g
            .split_once('=')
            .map(|(c, n)| (c.trim(), n.trim()))
            .filter(|(c, n)| !c.is_empty() && !n.is_empty())
            .ok_or_else(|| {
                Problem::invalid("--grantee", format!("{g:?} is not CONNECTION=NAME"))
            })?;
        if map.insert(conn.to_string(), name.to_string()).is_some() {
            return Err(Problem::invalid(
                "--grantee",
                format!("connection {conn:?} is given twice"),
            ));
        }
    }
    Ok(Some(map))
}

/// An error about a body field (`privileges[1]`, `grantee.warehouse`), named as the flag that
/// carried it here (`--privilege`, `--grantee`).
fn flags(mut e: Problem) -> Problem {
    const FLAGS: [(&str, &str); 4] = [
        ("grantee", "--grantee"),
        ("privileges", "--privilege"),
        ("duration", "--duration"),
        ("reason", "--reason"),
    ];
    if let Some(path) = &e.path {
        let head = path.split(['.', '[']).next().unwrap_or_default();
        if let Some((_, flag)) = FLAGS.iter().find(|(field, _)| *field == head) {
            e.path = Some(format!("{flag}{}", &path[head.len()..]));
        }
    }
    e
}

fn done(value: &impl serde::Serialize, text: String) -> Result<Output, Problem> {
    let json = serde_json::to_value(value)
        .map_err(|e| Problem::internal(format!("cannot encode the request: {e}")))?;
    Ok(Output::ok(json, text))
}

/// One request on one line: `req_…  open      maya  SELECT on prod.crm.leads for 7d`.
fn line(r: &AccessRequest) -> String {
    format!(
        "{}  {:<9} {:<12} {}",
        r.id,
        r.status().as_str(),
        r.requester,
        r.summary()
    )
}

/// A request as a short block: what, for whom, its state and who decided.
fn details(r: &AccessRequest) -> String {
    let mut out = vec![
        format!("{}  {}", r.id, r.status().as_str()),
        format!("  asks:      {}", r.summary()),
        format!("  for:       {}", r.requester),
        format!("  drafted:   {}", r.drafted_by.describe()),
    ];
    if let Some(reason) = &r.reason {
        out.push(format!("  reason:    {reason}"));
    }
    for a in &r.approvals {
        out.push(format!("  approved:  {} at {}", a.reviewer, stamp(a.at)));
    }
    if let Some(d) = &r.denial {
        let why = d.reason.as_deref().unwrap_or("no reason given");
        out.push(format!("  denied:    {} ({why})", d.reviewer));
    }
    for g in &r.grantees {
        out.push(format!("  grantee:   {} on {}", g.identity, g.connection));
    }
    if let Some(at) = r.expires_at {
        out.push(format!("  expires:   {}", stamp(at)));
    }
    if let Some(e) = &r.error {
        out.push(format!("  error:     {e}"));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is typed after `--grantee` (curly quotes, emoji, combining marks, `=`s),
        /// it is a grantee map of trimmed, non-empty names or an error naming the flag.
        #[test]
        fn any_grantee_text_parses_or_names_the_flag(
            given in proptest::collection::vec("\\PC{0,24}(=\\PC{0,24})?", 1..4)
        ) {
            match grantees(&given) {
                Ok(Some(map)) => {
                    prop_assert_eq!(map.len(), given.len());
                    for (conn, name) in &map {
                        prop_assert!(!conn.is_empty() && !name.is_empty());
                        prop_assert_eq!(conn.trim(), conn.as_str());
                        prop_assert_eq!(name.trim(), name.as_str());
                    }
                }
                Ok(None) => prop_assert!(false, "a flag was given"),
                Err(e) => prop_assert_eq!(e.path.as_deref(), Some("--grantee")),
            }
        }
    }

    #[test]
    fn grantees_are_connection_equals_name() {
        let map = grantees(&["warehouse = analysts".into(), "sf=R\u{2019}s".into()])
            .unwrap()
            .unwrap();
        assert_eq!(map["warehouse"], "analysts");
        assert_eq!(map["sf"], "R\u{2019}s");
        assert!(grantees(&["warehouse".into()]).is_err());
        assert!(grantees(&["a=b".into(), "a=c".into()]).is_err());
        assert_eq!(grantees(&[]).unwrap(), None);
    }
}
