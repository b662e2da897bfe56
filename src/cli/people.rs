//! `warden user …` and `warden token …`: people, their roles and their bearer tokens.

use super::{Output, TokenAction, UserAction};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::people::{Person, Role};
use serde_json::{Value, json};

pub async fn user(app: &App, action: UserAction) -> Result<Output, ApiError> {
    match action {
        UserAction::Add { name, role, email } => {
            let role = Role::parse(&role).map_err(|m| ApiError::invalid("--role", m))?;
            let person = app.add_person(&name, role, email.as_deref()).await?;
            let shown = describe(app, &person);
            let text = format!(
                "added {} ({}){}",
                person.name,
                person.role,
                links_text(&shown["links"])
            );
            Ok(Output::ok(shown, text))
        }
        UserAction::List => {
            let people: Vec<Value> = app
                .store
                .people()
                .await?
                .iter()
                .map(|p| describe(app, p))
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

/// A person with the platform identities they are linked to.
fn describe(app: &App, p: &Person) -> Value {
    let access = app.access.load();
    let links: Vec<Value> = access
        .linked_identities(&p.name, p.email.as_deref())
        .into_iter()
        .map(|h| {
            let c = access.conn(h.conn);
            json!({"connection": c.name, "identity": c.identity(h.id).name})
        })
        .collect();
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

pub async fn token(app: &App, action: TokenAction) -> Result<Output, ApiError> {
    match action {
        TokenAction::Create { person, agent } => {
            let (person, token) = app.create_token(&person, agent.as_deref()).await?;
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
            let tokens = app.store.tokens().await?;
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
            if !app.revoke_token(&id).await? {
                return Err(ApiError::new(
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
