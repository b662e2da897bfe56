//! Single sign-on, Warden's half: the person a verified ID token names (found by email, or
//! created as a requester when the config allows), their role from the provider's groups when
//! the config maps groups to roles, and a session. Every person created and every role changed
//! this way is in the audit log.

use super::People;
use super::oidc::Verified;
use super::sessions::StartedSession;
use crate::config::OidcConfig;
use crate::error::{ErrorCode, Problem};
use crate::model::audit::NewEvent;
use crate::model::people::{Person, Role};
use crate::model::time::stamp;
use serde_json::json;

/// Who the audit log names as making a change during a sign-in.
const ACTOR: &str = "oidc";

/// The role the provider's groups give, or `None` when the config maps no groups (each person
/// keeps the role set in Warden).
pub fn role_from_groups(cfg: &OidcConfig, groups: &[String]) -> Option<Role> {
    if cfg.reviewer_groups.is_empty() && cfg.admin_groups.is_empty() {
        return None;
    }
    let member = |wanted: &[String]| groups.iter().any(|g| wanted.contains(g));
    Some(if member(&cfg.admin_groups) {
        Role::Admin
    } else if member(&cfg.reviewer_groups) {
        Role::Reviewer
    } else {
        Role::Requester
    })
}

/// Whether `email` is in one of the domains `auto_create` admits (any case).
fn admitted(cfg: &OidcConfig, email: &str) -> bool {
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    cfg.allowed_domains.iter().any(|d| {
        d.trim()
            .trim_start_matches('@')
            .eq_ignore_ascii_case(domain)
    })
}

impl People {
    /// A session for the person `v` describes. An email no person in Warden has is refused,
    /// unless `auto_create`.
    pub async fn sign_in_oidc(
        &self,
        cfg: &OidcConfig,
        v: &Verified,
    ) -> Result<StartedSession, Problem> {
        // No groups claim at all (a provider that left it out, or too many groups to list) takes
        // no role away: only a claim that arrived decides.
        let from_groups = match &v.groups {
            Some(groups) => role_from_groups(cfg, groups),
            None => {
                if role_from_groups(cfg, &[]).is_some() {
                    tracing::warn!(email = %v.email, claim = %cfg.groups_claim,
                        "single sign-on: no groups claim; the role stays as it is");
                }
                None
            }
        };
        // Found by email, never by a name that happens to read like one.
        let found = self.store.find_person_by_email(&v.email).await?;
        let person = match found {
            Some(p) => p,
            None if cfg.auto_create && admitted(cfg, &v.email) => {
                self.create_for(v, from_groups.unwrap_or(Role::Requester))
                    .await?
            }
            None if cfg.auto_create => {
                return Err(Problem::new(
                    ErrorCode::Forbidden,
                    format!(
                        "{} is not in a domain Warden admits on its own (oidc.allowed_domains): \
                         ask an admin to add you",
                        v.email
                    ),
                ));
            }
            None => {
                return Err(Problem::new(
                    ErrorCode::Forbidden,
                    format!(
                        "no person in Warden has the email {}: ask an admin to add you",
                        v.email
                    ),
                ));
            }
        };
        let person = match from_groups {
            Some(role) if role != person.role => self.change_role(person, role, v).await?,
            _ => person,
        };
        self.start_session(&person).await
    }

    /// A new person for a first sign-in, named after the provider's username (or the email's
    /// local part), with a number added when that name is taken. Never with an `@`: a name
    /// must not read like someone's email (people are found by either).
    async fn create_for(&self, v: &Verified, role: Role) -> Result<Person, Problem> {
        let local = v.email.split('@').next().unwrap_or_default();
        let chosen = v
            .name
            .as_deref()
            .map(|n| n.split('@').next().unwrap_or_default())
            .filter(|n| !n.trim().is_empty() && !n.chars().any(char::is_control))
            .unwrap_or(local);
        let base = chosen.trim().chars().take(64).collect::<String>();
        for n in 1..=20 {
            let name = if n == 1 {
                base.clone()
            } else {
                format!("{base}{n}")
            };
            if self.store.find_person(&name).await?.is_some() {
                continue;
            }
            let person = self.add_person(&name, role, Some(&v.email)).await?;
            self.audit(
                "person_created",
                json!({"person": person.name, "email": v.email, "role": role.as_str(),
                       "subject": v.subject, "groups": v.groups.clone().unwrap_or_default()}),
            )
            .await?;
            return Ok(person);
        }
        Err(Problem::new(
            ErrorCode::Conflict,
            format!(
                "cannot find a free name for {}: ask an admin to add you",
                v.email
            ),
        ))
    }

    async fn change_role(
        &self,
        mut person: Person,
        role: Role,
        v: &Verified,
    ) -> Result<Person, Problem> {
        self.store.set_person_role(&person.id, role).await?;
        self.audit(
            "role_changed",
            json!({"person": person.name, "from": person.role.as_str(), "to": role.as_str(),
                   "groups": v.groups.clone().unwrap_or_default()}),
        )
        .await?;
        person.role = role;
        Ok(person)
    }

    async fn audit(&self, kind: &str, data: serde_json::Value) -> Result<(), Problem> {
        let at = stamp(self.store.clock().now());
        self.store
            .append_audit(&at, &[NewEvent::new(ACTOR, kind, None, data)])
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(reviewers: &[&str], admins: &[&str]) -> OidcConfig {
        let text = format!(
            "[oidc]\nissuer = \"https://id.example\"\nclient_id = \"w\"\nclient_secret = \"s\"\n\
             redirect_url = \"https://w.example/login/oidc/callback\"\n\
             reviewer_groups = {reviewers:?}\nadmin_groups = {admins:?}\n"
        );
        crate::config::Config::parse(&text, |_| None)
            .unwrap()
            .oidc
            .unwrap()
    }

    #[test]
    fn groups_give_the_highest_role_they_name_or_none_when_unmapped() {
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mapped = cfg(&["data-stewards"], &["platform"]);
        assert_eq!(
            role_from_groups(&mapped, &groups(&[])),
            Some(Role::Requester)
        );
        assert_eq!(
            role_from_groups(&mapped, &groups(&["staff", "data-stewards"])),
            Some(Role::Reviewer)
        );
        assert_eq!(
            role_from_groups(&mapped, &groups(&["data-stewards", "platform"])),
            Some(Role::Admin)
        );
        // Names are compared as they are: a group is not another group's prefix or case.
        assert_eq!(
            role_from_groups(&mapped, &groups(&["Platform", "data"])),
            Some(Role::Requester)
        );
        assert_eq!(
            role_from_groups(&cfg(&[], &[]), &groups(&["platform"])),
            None
        );
    }

    #[test]
    fn auto_create_needs_the_domains_it_admits() {
        let text = "[oidc]\nissuer = \"https://id.example\"\nclient_id = \"w\"\n\
                    client_secret = \"s\"\nredirect_url = \"https://w.example/cb\"\n\
                    auto_create = true\n";
        let e = crate::config::Config::parse(text, |_| None).unwrap_err();
        assert!(e.contains("oidc.allowed_domains"), "{e}");
        let with = format!("{text}allowed_domains = [\"acme.test\"]\n");
        let cfg = crate::config::Config::parse(&with, |_| None)
            .unwrap()
            .oidc
            .unwrap();
        assert!(admitted(&cfg, "ann@ACME.test"));
        assert!(!admitted(&cfg, "ann@acme.test.evil"));
        assert!(!admitted(&cfg, "acme.test"));
    }
}
