//! Provisioning on BigQuery: a role for one user, group or service account on a dataset (a
//! read-modify-write of its `access` entries, sent with the dataset's etag in `If-Match`), or on
//! a table, view or the project (`getIamPolicy` then `setIamPolicy` carrying the policy's etag).
//! When the resource changed in between (409 or 412) it is read again and the change made
//! again. Nothing else in the list is touched: conditional bindings, authorized views and
//! entries Warden did not add stay as they were. The receipt is read back after each change.

use super::client::{Api, Written, segment};
use super::member::{self, Member};
use super::read::policy_options;
use crate::connectors::{Applied, Change, ConnectorError, FailureKind};
use reqwest::Method;
use serde_json::{Value, json};

/// How many times a change is made again after a conflict before giving up.
pub const CONFLICT_ATTEMPTS: u32 = 5;

pub struct Provisioner {
    api: Api,
}

/// What a change touches.
enum Target {
    Project,
    Dataset(String),
    Table(String, String),
}

struct Plan {
    target: Target,
    /// The role as Warden writes it (`roles/bigquery.dataViewer`).
    role: String,
    member: Member,
}

impl Plan {
    fn place(&self, project: &str) -> String {
        match &self.target {
            Target::Project => format!("project {project}"),
            Target::Dataset(d) => format!("dataset {project}.{d}"),
            Target::Table(d, t) => format!("table {project}.{d}.{t}"),
        }
    }
}

impl Provisioner {
    pub fn new(api: Api) -> Provisioner {
        Provisioner { api }
    }

    pub async fn close(self) {}

    pub async fn grant(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, true).await
    }

    pub async fn revoke(&mut self, change: &Change) -> Result<Applied, ConnectorError> {
        self.apply(change, false).await
    }

    /// Whether `change` holds now, unconditionally.
    pub async fn holds(&mut self, change: &Change) -> Result<bool, ConnectorError> {
        let plan = self.plan(change)?;
        Ok(self.read(&plan).await?.holds)
    }

    async fn apply(&mut self, change: &Change, grant: bool) -> Result<Applied, ConnectorError> {
        let plan = self.plan(change)?;
        let (verb, to) = if grant {
            ("add", "for")
        } else {
            ("remove", "from")
        };
        let statement = format!(
            "{verb} {} {to} {} on {}",
            plan.role,
            member::text(&plan.member),
            plan.place(&self.api.project)
        );
        let mut pre_existing = None;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let now = self.read(&plan).await?;
            pre_existing.get_or_insert(now.holds);
            if now.holds == grant {
                break;
            }
            match self.write(&plan, now, grant).await? {
                Written::Done(_) => break,
                Written::Conflict if attempts < CONFLICT_ATTEMPTS => continue,
                Written::Conflict => {
                    return Err(ConnectorError::new(
                        FailureKind::Invalid,
                        format!(
                            "bigquery: {} changed under every one of {attempts} attempts to {statement}",
                            plan.place(&self.api.project)
                        ),
                    ));
                }
            }
        }
        let holds_after = self.read(&plan).await?.holds;
        Ok(Applied {
            pre_existing: pre_existing.unwrap_or(false),
            statement,
            holds_after,
        })
    }

    fn plan(&self, change: &Change) -> Result<Plan, ConnectorError> {
        let config = |m: String| ConnectorError::new(FailureKind::Config, m);
        let Change::Privilege {
            privilege,
            resource,
            grantee,
        } = change
        else {
            return Err(config(
                "BigQuery has no roles to join: group membership lives in Google Groups, outside Warden; ask for a role on a dataset or table instead".into(),
            ));
        };
        let project = &self.api.project;
        if resource.first() != Some(project) {
            return Err(config(format!(
                "{} is not in project {project}, which this connection reads",
                resource.join(".")
            )));
        }
        let target = match resource.as_slice() {
            [_] => Target::Project,
            [_, d] => Target::Dataset(d.clone()),
            [_, d, t] => Target::Table(d.clone(), t.clone()),
            _ => {
                return Err(config(format!(
                    "{} is not a project, dataset or table",
                    resource.join(".")
                )));
            }
        };
        let member = member::of_grantee(grantee);
        match &member {
            Member::Identity { .. } => {}
            other => {
                return Err(config(format!(
                    "Warden grants to one user, group or service account, not to {}",
                    member::text(other)
                )));
            }
        }
        Ok(Plan {
            target,
            role: role_for(privilege)?,
            member,
        })
    }

    /// The resource as it is now: the document to change, its etag, and whether the plan holds.
    async fn read(&self, plan: &Plan) -> Result<Now, ConnectorError> {
        let doc = match &plan.target {
            Target::Dataset(d) => {
                self.api
                    .get(
                        &self.dataset_url(d)?,
                        &[("accessPolicyVersion", "3".into())],
                    )
                    .await?
            }
            _ => {
                let url = self.policy_url(plan, "getIamPolicy")?;
                self.api.post(&url, &policy_options()).await?
            }
        };
        let holds = match &plan.target {
            Target::Dataset(_) => doc["access"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| entry_grants(e, plan)),
            _ => doc["bindings"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|b| binding_of(b, plan) && has_member(b, plan)),
        };
        Ok(Now { doc, holds })
    }

    /// Writes `now` changed by the plan, based on its etag.
    async fn write(&self, plan: &Plan, now: Now, grant: bool) -> Result<Written, ConnectorError> {
        let mut doc = now.doc;
        let etag = doc["etag"].as_str().map(str::to_owned);
        match &plan.target {
            Target::Dataset(d) => {
                let mut access = doc["access"].as_array().cloned().unwrap_or_default();
                if grant {
                    access.extend(member::access_entry(&plan.role, &plan.member));
                } else {
                    access.retain(|e| !entry_grants(e, plan));
                }
                self.api
                    .write(
                        Method::PATCH,
                        &self.dataset_url(d)?,
                        &[("accessPolicyVersion", "3".into())],
                        &json!({"access": access}),
                        etag.as_deref(),
                    )
                    .await
            }
            _ => {
                let mut bindings = doc["bindings"].as_array().cloned().unwrap_or_default();
                let who = json!(member::text(&plan.member));
                if grant {
                    match bindings.iter_mut().find(|b| binding_of(b, plan)) {
                        Some(b) => match b["members"].as_array_mut() {
                            Some(m) => m.push(who),
                            None => b["members"] = json!([who]),
                        },
                        None => bindings.push(json!({"role": plan.role, "members": [who]})),
                    }
                } else {
                    for b in bindings.iter_mut().filter(|b| binding_of(b, plan)) {
                        if let Some(m) = b["members"].as_array_mut() {
                            m.retain(|x| !same_member(x, plan));
                        }
                    }
                    bindings.retain(|b| {
                        !binding_of(b, plan)
                            || b["members"].as_array().is_some_and(|m| !m.is_empty())
                    });
                }
                doc["bindings"] = json!(bindings);
                // Version 3 keeps conditions; the etag makes the write fail if it changed.
                doc["version"] = json!(3);
                let url = self.policy_url(plan, "setIamPolicy")?;
                self.api
                    .write(Method::POST, &url, &[], &json!({"policy": doc}), None)
                    .await
            }
        }
    }

    fn dataset_url(&self, d: &str) -> Result<String, ConnectorError> {
        self.api.bigquery_url(&["datasets", &segment(d)?])
    }

    fn policy_url(&self, plan: &Plan, verb: &str) -> Result<String, ConnectorError> {
        match &plan.target {
            Target::Project => self.api.project_url(verb),
            Target::Table(d, t) => self.api.bigquery_url(&[
                "datasets",
                &segment(d)?,
                "tables",
                &format!("{}:{verb}", segment(t)?),
            ]),
            Target::Dataset(_) => unreachable!("a dataset's access is not an IAM policy here"),
        }
    }
}

/// A resource read before a change.
struct Now {
    doc: Value,
    holds: bool,
}

/// The role Warden writes for a privilege word: SELECT reads (dataViewer), INSERT, UPDATE and
/// DELETE write (dataEditor), a dataset's legacy READER/WRITER/OWNER their predefined roles, and
/// a role (`roles/…`, `projects/…/roles/…`) as it is.
pub fn role_for(privilege: &str) -> Result<String, ConnectorError> {
    let p = privilege.trim();
    if p.starts_with("roles/") || p.starts_with("projects/") || p.starts_with("organizations/") {
        return Ok(p.to_string());
    }
    let upper = p.to_ascii_uppercase();
    Ok(match upper.as_str() {
        "SELECT" => "roles/bigquery.dataViewer",
        "INSERT" | "UPDATE" | "DELETE" => "roles/bigquery.dataEditor",
        legacy if predefined(legacy) != legacy => predefined(legacy),
        _ => {
            return Err(ConnectorError::new(
                FailureKind::Config,
                format!(
                    "{p:?} is not something Warden grants on BigQuery (SELECT, INSERT, UPDATE, DELETE, READER, WRITER, OWNER or a role such as roles/bigquery.dataViewer)"
                ),
            ));
        }
    }
    .to_string())
}

/// How a change Warden made shows in a synced snapshot: the grantee's identity (its email, the
/// member's prefix dropped) and the role's spellings (a dataset lists the predefined roles it
/// has legacy names for by those names: `roles/bigquery.dataViewer` as `READER`).
pub fn granted_as(grantee: &str, privilege: &str) -> (String, Vec<String>) {
    let identity = match member::of_grantee(grantee) {
        Member::Identity { email, .. } => email,
        _ => grantee.to_string(),
    };
    let role = role_for(privilege).unwrap_or_else(|_| privilege.to_string());
    let legacy = LEGACY
        .iter()
        .find(|(_, p)| *p == role)
        .map(|(l, _)| l.to_string());
    let mut spellings = vec![role];
    spellings.extend(legacy);
    (identity, spellings)
}

/// A dataset's legacy roles and the predefined roles they are.
const LEGACY: [(&str, &str); 3] = [
    ("READER", "roles/bigquery.dataViewer"),
    ("WRITER", "roles/bigquery.dataEditor"),
    ("OWNER", "roles/bigquery.dataOwner"),
];

/// The predefined role a legacy one is; any other role as it is.
fn predefined(role: &str) -> &str {
    LEGACY
        .iter()
        .find(|(legacy, _)| *legacy == role)
        .map_or(role, |(_, p)| p)
}

/// A role compared as BigQuery applies it: a dataset's legacy role is its predefined role.
fn same_role(a: &str, b: &str) -> bool {
    predefined(a) == predefined(b)
}

/// An access entry that grants the plan's role to its member with no condition.
fn entry_grants(entry: &Value, plan: &Plan) -> bool {
    entry.get("condition").is_none_or(Value::is_null)
        && same_role(entry["role"].as_str().unwrap_or(""), &plan.role)
        && member::of_access_entry(entry).as_ref() == Some(&plan.member)
}

/// A binding of the plan's role with no condition (a conditional one is never changed).
fn binding_of(binding: &Value, plan: &Plan) -> bool {
    binding.get("condition").is_none_or(Value::is_null)
        && same_role(binding["role"].as_str().unwrap_or(""), &plan.role)
}

fn has_member(binding: &Value, plan: &Plan) -> bool {
    binding["members"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| same_member(m, plan))
}

fn same_member(m: &Value, plan: &Plan) -> bool {
    member::parse(m.as_str().unwrap_or("")) == plan.member
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_words_become_the_roles_that_carry_them() {
        assert_eq!(role_for("select").unwrap(), "roles/bigquery.dataViewer");
        assert_eq!(role_for("UPDATE").unwrap(), "roles/bigquery.dataEditor");
        assert_eq!(role_for("OWNER").unwrap(), "roles/bigquery.dataOwner");
        assert_eq!(
            role_for("projects/p/roles/custom").unwrap(),
            "projects/p/roles/custom"
        );
        let e = role_for("USAGE").unwrap_err();
        assert!(e.message.contains("USAGE"), "{}", e.message);
        assert!(same_role("READER", "roles/bigquery.dataViewer"));
        assert!(!same_role("READER", "roles/bigquery.dataEditor"));
    }
}
