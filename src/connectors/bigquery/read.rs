//! A BigQuery project read into a snapshot: the project's IAM policy (conditions kept), every
//! dataset's `access` entries, every table's and view's IAM policy (`requestedPolicyVersion` 3),
//! and, when Cloud Identity is configured, who belongs to each group met on the way (nested
//! groups followed). A dataset's authorized views, routines and datasets are grants to
//! `view:…`, `routine:…`, `dataset:…`. What a snapshot cannot hold (deleted principals, groups
//! whose members could not be read) comes back as notes.

use super::client::{Api, segment};
use super::member::{self, Member};
use crate::connectors::{ConnectorError, resource_doc, validated};
use crate::model::Connection;
use futures_util::future::try_join_all;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many datasets, and how many table policies, are read at once (in groups).
const DATASETS_AT_ONCE: usize = 8;
const TABLES_AT_ONCE: usize = 16;

/// A project as read: its snapshot (one connection) and what the snapshot could not say.
pub struct Read {
    pub connection: Connection,
    pub notes: Vec<String>,
}

/// Reads the project into connection `name`.
pub async fn read(api: &Api, name: &str) -> Result<Read, ConnectorError> {
    let (doc, notes) = snapshot(api, name).await?;
    Ok(Read {
        connection: validated(doc)?,
        notes,
    })
}

/// The snapshot document and the notes.
pub async fn snapshot(api: &Api, name: &str) -> Result<(Value, Vec<String>), ConnectorError> {
    let project = api.project.clone();
    let mut found = Found::default();
    found.resource("project", std::slice::from_ref(&project));
    let policy = api
        .post(&api.project_url("getIamPolicy")?, &policy_options())
        .await?;
    found.bindings(&policy, std::slice::from_ref(&project), "the project");

    let datasets = api
        .pages(
            &api.bigquery_url(&["datasets"])?,
            &[("all", "true".into()), ("maxResults", "1000".into())],
            "datasets",
        )
        .await?;
    let ids: Vec<String> = datasets
        .iter()
        .filter_map(|d| d["datasetReference"]["datasetId"].as_str())
        .map(str::to_owned)
        .collect();
    let mut read: Vec<DatasetRead> = Vec::with_capacity(ids.len());
    // In groups, not a stream of futures: a closure's future in a stream trips the compiler's
    // proof that the whole sync is `Send` (rust-lang/rust#102211).
    for group in ids.chunks(DATASETS_AT_ONCE) {
        let reads = group.iter().map(|id| read_dataset(api, id.clone()));
        read.extend(try_join_all(reads).await?);
    }
    read.sort_by(|a, b| a.id.cmp(&b.id));
    for d in &read {
        let path = vec![project.clone(), d.id.clone()];
        found.resource("dataset", &path);
        found.access(&d.dataset, &path);
        for t in &d.tables {
            let mut path = path.clone();
            path.push(t.id.clone());
            found.resource(t.kind, &path);
            found.bindings(&t.policy, &path, &format!("table {}", path.join(".")));
        }
    }
    if api.reads_groups() {
        read_groups(api, &mut found).await?;
    } else {
        let groups = found.identities.values().filter(|k| **k == "group").count();
        if groups > 0 {
            found.notes.push(format!(
                "groups are leaves: no groups_url (Cloud Identity) is configured, so the members of {groups} group(s) are not known and hold nothing through them here"
            ));
        }
    }
    let doc = found.to_json(name);
    Ok((doc, found.notes))
}

/// `{"options":{"requestedPolicyVersion":3}}`: conditional bindings come back as they are.
pub fn policy_options() -> Value {
    json!({"options": {"requestedPolicyVersion": 3}})
}

/// A dataset as read: its document (with `access`) and its tables' policies.
struct DatasetRead {
    id: String,
    dataset: Value,
    tables: Vec<TableRead>,
}

struct TableRead {
    id: String,
    kind: &'static str,
    policy: Value,
}

async fn read_dataset(api: &Api, id: String) -> Result<DatasetRead, ConnectorError> {
    let seg = segment(&id)?;
    let dataset = api
        .get(
            &api.bigquery_url(&["datasets", &seg])?,
            &[("accessPolicyVersion", "3".into())],
        )
        .await?;
    let tables = api
        .pages(
            &api.bigquery_url(&["datasets", &seg, "tables"])?,
            &[("maxResults", "1000".into())],
            "tables",
        )
        .await?;
    let listed: Vec<(String, &'static str)> = tables
        .iter()
        .filter_map(|t| {
            let id = t["tableReference"]["tableId"].as_str()?;
            Some((id.to_string(), table_kind(t["type"].as_str().unwrap_or(""))))
        })
        .collect();
    let mut tables: Vec<TableRead> = Vec::with_capacity(listed.len());
    for group in listed.chunks(TABLES_AT_ONCE) {
        let reads = group
            .iter()
            .map(|(tid, kind)| read_table(api, &seg, tid, kind));
        tables.extend(try_join_all(reads).await?);
    }
    tables.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(DatasetRead {
        id,
        dataset,
        tables,
    })
}

async fn read_table(
    api: &Api,
    dataset: &str,
    id: &str,
    kind: &'static str,
) -> Result<TableRead, ConnectorError> {
    let url = api.bigquery_url(&[
        "datasets",
        dataset,
        "tables",
        &format!("{}:getIamPolicy", segment(id)?),
    ])?;
    let policy = api.post(&url, &policy_options()).await?;
    Ok(TableRead {
        id: id.to_string(),
        kind,
        policy,
    })
}

/// The snapshot kind of a table's `type`.
fn table_kind(t: &str) -> &'static str {
    match t {
        "VIEW" => "view",
        "MATERIALIZED_VIEW" => "materialized_view",
        "EXTERNAL" => "foreign_table",
        _ => "table",
    }
}

/// Follows every group met, and every group inside one, through Cloud Identity.
async fn read_groups(api: &Api, found: &mut Found) -> Result<(), ConnectorError> {
    let mut queue: VecDeque<String> = found
        .identities
        .iter()
        .filter(|(_, k)| **k == "group")
        .map(|(e, _)| e.clone())
        .collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let Some(lookup) = api.groups_url("groups:lookup") else {
        return Ok(());
    };
    while let Some(group) = queue.pop_front() {
        let Some(looked_up) = api
            .get_found(&lookup, &[("groupKey.id", group.clone())])
            .await?
        else {
            found.notes.push(format!(
                "group {group}: not found in Cloud Identity; its members are not known"
            ));
            continue;
        };
        let name = looked_up["name"].as_str().unwrap_or_default().to_string();
        let Some(url) = api.groups_url(&format!("{name}/memberships")) else {
            return Ok(());
        };
        let members = api
            .pages(&url, &[("pageSize", "200".into())], "memberships")
            .await?;
        for m in members {
            let Some(email) = m["preferredMemberKey"]["id"].as_str() else {
                continue;
            };
            let email = email.to_lowercase();
            let kind = match m["type"].as_str().unwrap_or("USER") {
                "GROUP" => "group",
                "SERVICE_ACCOUNT" => "service_account",
                "USER" => "user",
                other => {
                    found.notes.push(format!(
                        "group {group}: a member of type {other} is not read"
                    ));
                    continue;
                }
            };
            found.identity(&email, kind);
            found
                .memberships
                .insert((email.clone(), kind, group.clone()));
            if kind == "group" && seen.insert(email.clone()) {
                queue.push_back(email);
            }
        }
    }
    Ok(())
}

/// What a sync collects, each thing once.
#[derive(Default)]
struct Found {
    /// Email → kind.
    identities: BTreeMap<String, &'static str>,
    /// (member, member kind, group).
    memberships: BTreeSet<(String, &'static str, String)>,
    resources: Vec<Value>,
    grants: Vec<Value>,
    notes: Vec<String>,
}

impl Found {
    fn identity(&mut self, email: &str, kind: &'static str) {
        self.identities.entry(email.to_string()).or_insert(kind);
    }

    fn resource(&mut self, kind: &str, path: &[String]) {
        self.resources.push(resource_doc(kind, path));
    }

    /// An IAM policy's bindings on the resource at `path`.
    fn bindings(&mut self, policy: &Value, path: &[String], place: &str) {
        for b in policy["bindings"].as_array().into_iter().flatten() {
            let Some(role) = b["role"].as_str() else {
                continue;
            };
            for m in b["members"].as_array().into_iter().flatten() {
                let text = m.as_str().unwrap_or_default();
                self.grant(member::parse(text), role, path, &b["condition"], place);
            }
        }
    }

    /// A dataset's `access` entries.
    fn access(&mut self, dataset: &Value, path: &[String]) {
        let place = format!("dataset {}", path.join("."));
        for entry in dataset["access"].as_array().into_iter().flatten() {
            match member::of_access_entry(entry) {
                Some(m) => {
                    let role = entry["role"].as_str().unwrap_or_default();
                    self.grant(m, role, path, &entry["condition"], &place);
                }
                // An authorized view, routine or dataset: a grantee of its own, which answers
                // about the dataset name.
                None => match member::authorized_grantee(entry) {
                    Some(grantee) => self.grants.push(
                        json!({"grantee": grantee, "privilege": "READER", "resource": path.join(".")}),
                    ),
                    None => self
                        .notes
                        .push(format!("{place}: an access entry Warden does not read: {entry}")),
                },
            }
        }
    }

    fn grant(&mut self, m: Member, role: &str, path: &[String], condition: &Value, place: &str) {
        let grantee = match m {
            Member::Identity { kind, email, text } => {
                self.identity(&email, kind);
                text
            }
            Member::Everyone(text) => text,
            Member::Skipped { text, why } => {
                self.notes
                    .push(format!("{place}: {role} to {text} is not read ({why})"));
                return;
            }
        };
        if role.is_empty() {
            return;
        }
        let mut g = json!({"grantee": grantee, "privilege": role, "resource": path.join(".")});
        if condition.is_object() {
            g["condition"] = json!({
                "title": condition["title"],
                "expression": condition["expression"],
            });
        }
        self.grants.push(g);
    }

    fn to_json(&self, name: &str) -> Value {
        let identities: Vec<Value> = self
            .identities
            .iter()
            .map(|(email, kind)| json!({"name": email, "kind": kind, "email": email}))
            .collect();
        let memberships: Vec<Value> = self
            .memberships
            .iter()
            .map(|(m, mk, g)| json!({"member": m, "member_kind": mk, "role": g, "role_kind": "group"}))
            .collect();
        json!({
            "version": 1,
            "taken_at": chrono::Utc::now().to_rfc3339(),
            "connections": [{
                "name": name,
                "platform": "bigquery",
                "identities": identities,
                "memberships": memberships,
                "resources": self.resources,
                "grants": self.grants,
            }],
        })
    }
}
