//! `warden user …` and `warden token …`: people, their roles and their bearer tokens.

use super::{Output, TokenAction, UserAction};
use crate::app::App;
use crate::error::{ErrorCode, Problem};
use crate::people::links::{Link, NewLink};
use crate::people::{Person, Principal, Role};
use serde_json::{Value, json};

pub async fn user(app: &App, action: UserAction) -> Result<Output, Problem> {
    match action {
        UserAction::Add { name, role, email } => {
            let role = Role::parse(&role).map_err(|m| Problem::invalid("--role", m))?;
            let person = app.people.add_person(&name, role, email.as_deref()).await?;
            let shown = describe(&person, &app.people.links(&person).await?);
            let text = format!(
                "added {} ({}){}",
                person.name,
                person.role,
                links_text(&shown["links"])
            );
            Ok(Output::ok(shown, text))
        }
        UserAction::Link {
            person,
            connection,
            identity,
        } => set_link(app, &person, connection, identity, true).await,
        UserAction::Unlink {
            person,
            connection,
            identity,
        } => set_link(app, &person, connection, identity, false).await,
        UserAction::List => {
            let people: Vec<Value> = app
                .people
                .list_with_links()
                .await?
                .iter()
                .map(|(p, links)| describe(p, links))
                .collect();
            let text = people
                .iter()
                .map(|p| {
                    format!(
                        "{:<16} {:<9} {:<28}{}",
                        p["name"].as_str().unwrap_or(""),
                        p["role"].as_str().unwrap_or(""),
                        p["email"].as_str().unwrap_or("-"),
                        links_text(&p["links"])
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(json!({ "people": people }), text))
        }
    }
}

/// `warden user link|unlink PERSON CONNECTION IDENTITY`, as the local operator (an admin).
async fn set_link(
    app: &App,
    person: &str,
    connection: String,
    identity: String,
    linked: bool,
) -> Result<Output, Problem> {
    let target = NewLink {
        connection,
        identity,
    };
    let who = Principal::operator();
    let links = app.people.set_link(&who, person, &target, linked).await?;
    let doc = json!({"person": person, "links": links});
    let text = format!(
        "{} {person} {} {}:{}; links now:{}",
        if linked { "linked" } else { "unlinked" },
        if linked { "to" } else { "from" },
        target.connection,
        target.identity,
        links_text(&doc["links"])
    );
    Ok(Output::ok(doc, text))
}

/// A person with the platform identities they are linked to (automatic and manual).
fn describe(p: &Person, links: &[Link]) -> Value {
    json!({"id": p.id, "name": p.name, "email": p.email, "role": p.role, "created_at": p.created_at, "links": links})
}

fn links_text(links: &Value) -> String {
    let items: Vec<String> = links
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "{}:{}",
                l["connection"].as_str().unwrap_or(""),
                l["identity"].as_str().unwrap_or("")
            )
        })
        .collect();
    if items.is_empty() {
        "  (no linked identities)".into()
    } else {
        format!("  {}", items.join(", "))
    }
}

pub async fn token(app: &App, action: TokenAction) -> Result<Output, Problem> {
    match action {
        TokenAction::Create { person, agent } => {
            let (person, token) = app.people.create_token(&person, agent.as_deref()).await?;
            let whom = match &agent {
                Some(a) => format!("agent {a:?} acting for {}", person.name),
                None => person.name.clone(),
            };
            // The secret goes to stdout only, once; stderr says it will not be shown again.
            eprintln!(
                "token {} for {whom}; it is shown once, store it now",
                token.id
            );
            Ok(Output::ok(
                json!({"id": token.id, "token": token.secret, "person": person.name, "agent": agent}),
                token.secret,
            ))
        }
        TokenAction::List => {
            let tokens = app.people.tokens().await?;
            let text = tokens
                .iter()
                .map(|t| {
                    format!(
                        "{}  {:<16} {:<18} {}{}",
                        t.id,
                        t.person,
                        t.agent.as_deref().unwrap_or("-"),
                        t.created_at,
                        if t.revoked_at.is_some() {
                            "  revoked"
                        } else {
                            ""
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::ok(json!({ "tokens": tokens }), text))
        }
        TokenAction::Revoke { id } => {
            if !app.people.revoke_token(&id).await? {
                return Err(Problem::new(
                    ErrorCode::NotFound,
                    format!("no live token with id {id:?}"),
                ));
            }
            Ok(Output::ok(
                json!({"id": id, "revoked": true}),
                format!("revoked {id}"),
            ))
        }
    }
}
