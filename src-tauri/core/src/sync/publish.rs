//! `publish` (seed an empty or partial server from the local establishment)
//! and `pull` (the server's view of the establishment, with ETags, into the
//! store's directory snapshot).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::client::Client;
use super::{SyncError, CORE_GROUP, CORE_USER, ENT_GROUP, ENT_USER};
use crate::model::{Account, EstablishmentData, Group, Profile};
use crate::store::{SnapshotRow, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    pub users_created: usize,
    pub groups_created: usize,
    /// Already on the server (same `externalId`).
    pub present: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pulled {
    pub users: usize,
    pub groups: usize,
    pub visibility_rules: usize,
}

fn profile_code(p: Profile) -> &'static str {
    match p {
        Profile::Eleve => "Eleve",
        Profile::Responsable => "Responsable",
        Profile::Enseignant => "Enseignant",
        Profile::NonEnseignant => "NonEnseignant",
        Profile::PersonnelCollectivite => "PersonnelCollectivite",
        Profile::Invite => "Invite",
        Profile::MaitreDeStage => "MaitreDeStage",
        Profile::Inspecteur => "Inspecteur",
    }
}

/// A local account as a SCIM User (empty values left out).
pub(super) fn user_body(a: &Account) -> Value {
    let mut ext = Map::new();
    let strings = |v: &[String]| json!(v);
    ext.insert("establishments".into(), json!(a.establishments.iter().map(|u| u.to_string()).collect::<Vec<_>>()));
    ext.insert("profile".into(), json!(profile_code(a.profile)));
    if !a.classes.is_empty() {
        ext.insert("classes".into(), strings(&a.classes));
    }
    if !a.functions.is_empty() {
        let functions: Vec<Value> = a
            .functions
            .iter()
            .map(|f| match &f.discipline {
                Some(d) => json!({ "code": f.code, "discipline": d }),
                None => json!({ "code": f.code }),
            })
            .collect();
        ext.insert("functions".into(), Value::Array(functions));
    }
    if let Some(d) = &a.birth_date {
        ext.insert("birthDate".into(), json!(d));
    }
    if let Some(ine) = &a.ine {
        ext.insert("ine".into(), json!(ine));
    }
    if !a.children.is_empty() {
        ext.insert("children".into(), strings(&a.children));
    }
    let mut user = json!({
        "schemas": [CORE_USER, ENT_USER],
        "externalId": a.id,
        "userName": a.login,
        "name": { "familyName": a.usage_name, "givenName": a.given_names.join(" ") },
        "displayName": format!("{} {}", a.given_names.join(" "), a.usage_name).trim().to_string(),
        "active": true,
    });
    if let Some(e) = &a.email {
        user["emails"] = json!([{ "value": e, "type": "work", "primary": true }]);
    }
    user[ENT_USER] = Value::Object(ext);
    user
}

/// A local group as a SCIM Group, its members by the server's ids.
pub(super) fn group_body(g: &Group, uai: &str, members: &[&str]) -> Value {
    let mut group = json!({
        "schemas": [CORE_GROUP, ENT_GROUP],
        "externalId": g.id,
        "displayName": g.name,
    });
    if !members.is_empty() {
        group["members"] = Value::Array(members.iter().map(|id| json!({ "value": id })).collect());
    }
    group[ENT_GROUP] = json!({ "kind": g.kind.as_str(), "establishment": uai });
    group
}

fn filter_uai(path: &str, uai: &str) -> String {
    format!("{path} eq \"{}\"", uai.replace('"', ""))
}

/// The resources the server already holds for this establishment: `externalId` → id.
async fn present(client: &Client, endpoint: &str, filter: &str) -> Result<BTreeMap<String, String>, SyncError> {
    Ok(client
        .list_all(endpoint, Some(filter))
        .await?
        .iter()
        .filter_map(|r| Some((r.body["externalId"].as_str()?.to_string(), r.body["id"].as_str()?.to_string())))
        .collect())
}

/// Creates `bodies` at `endpoint` (`/Users`), in Bulk requests when the
/// server offers Bulk, one by one otherwise. Returns how many were created.
async fn create_all(client: &Client, endpoint: &str, bodies: Vec<Value>) -> Result<usize, SyncError> {
    let Some(max_ops) = client.caps.bulk else {
        for b in &bodies {
            client.post(endpoint, b).await?;
        }
        return Ok(bodies.len());
    };
    // Under the payload limit with room for the envelope.
    let budget = client.caps.bulk_payload.saturating_sub(4096).max(64 * 1024);
    let mut created = 0;
    let mut batch: Vec<Value> = Vec::new();
    let mut size = 0;
    let mut pending: Vec<Vec<Value>> = Vec::new();
    for b in bodies {
        let len = b.to_string().len();
        if !batch.is_empty() && (batch.len() == max_ops || size + len > budget) {
            pending.push(std::mem::take(&mut batch));
            size = 0;
        }
        size += len;
        batch.push(b);
    }
    if !batch.is_empty() {
        pending.push(batch);
    }
    for ops in pending {
        let operations: Vec<Value> = ops
            .iter()
            .enumerate()
            .map(|(k, data)| json!({ "method": "POST", "path": endpoint, "bulkId": format!("b{k}"), "data": data }))
            .collect();
        let request = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "failOnErrors": 1,
            "Operations": operations,
        });
        let answer = client.post("/Bulk", &request).await?.body;
        for op in answer["Operations"].as_array().cloned().unwrap_or_default() {
            let status =
                op["status"].as_str().and_then(|s| s.parse::<u16>().ok()).or(op["status"].as_u64().map(|n| n as u16));
            match status {
                Some(201) | Some(200) => created += 1,
                other => {
                    return Err(SyncError::Http {
                        status: other.unwrap_or(0),
                        what: format!("POST /Bulk ({endpoint})"),
                        detail: op["response"]["detail"].as_str().unwrap_or("").to_string(),
                    })
                }
            }
        }
    }
    Ok(created)
}

/// Creates on the server every account and group of the local
/// establishment that it lacks (by `externalId`). Running it again creates
/// nothing.
pub async fn publish(client: &Client, data: &EstablishmentData) -> Result<Published, SyncError> {
    let uai = data.establishment.uai.to_string();
    let users_filter = filter_uai(&format!("{ENT_USER}:establishments"), &uai);
    let users_there = present(client, "/Users", &users_filter).await?;
    let ours: Vec<&Account> =
        data.accounts.iter().filter(|a| a.establishments.iter().any(|e| e.to_string() == uai)).collect();
    let missing_users: Vec<Value> =
        ours.iter().filter(|a| !users_there.contains_key(&a.id)).map(|a| user_body(a)).collect();
    let groups_there = present(client, "/Groups", &filter_uai(&format!("{ENT_GROUP}:establishment"), &uai)).await?;
    let present = users_there.len() + groups_there.len();
    let users_created = create_all(client, "/Users", missing_users).await?;
    let missing_groups: Vec<&Group> = data.groups.iter().filter(|g| !groups_there.contains_key(&g.id)).collect();
    let mut groups_created = 0;
    if !missing_groups.is_empty() {
        // A new group comes with its members, by the ids the server gave the accounts.
        let ids = if users_created > 0 { self::present(client, "/Users", &users_filter).await? } else { users_there };
        let mut by_person: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in &ours {
            if let (Some(p), Some(id)) = (a.person_id.as_deref(), ids.get(&a.id)) {
                by_person.entry(p).or_default().push(id);
            }
        }
        let bodies: Vec<Value> = missing_groups
            .iter()
            .map(|g| {
                let members: BTreeSet<&str> =
                    g.members.iter().flat_map(|p| by_person.get(p.as_str()).into_iter().flatten().copied()).collect();
                group_body(g, &uai, &members.into_iter().collect::<Vec<_>>())
            })
            .collect();
        groups_created = create_all(client, "/Groups", bodies).await?;
    }
    Ok(Published { users_created, groups_created, present })
}

/// Where a pull stands: the kind of resource being received, how many of
/// them so far, and how many the server has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullProgress {
    pub resource: &'static str,
    pub done: usize,
    pub total: usize,
}

/// The server's users, groups and visibility rules of `uai`, with their
/// ETags, replace the store's snapshot in one transaction; `progress` hears
/// after each page.
pub async fn pull(
    client: &Client,
    store: &mut Store,
    uai: &str,
    actor: &str,
    progress: &mut dyn FnMut(PullProgress),
) -> Result<Pulled, SyncError> {
    let rows = |listed: Vec<super::client::Listed>, resource: &str| -> Vec<SnapshotRow> {
        listed
            .into_iter()
            .filter_map(|l| {
                Some(SnapshotRow {
                    resource: resource.to_string(),
                    id: l.body["id"].as_str()?.to_string(),
                    external_id: l.body["externalId"].as_str().map(str::to_string),
                    etag: l.etag,
                    body: l.body.to_string(),
                })
            })
            .collect()
    };
    let mut fetch = async |endpoint: &str, resource: &'static str, filter: String| {
        progress(PullProgress { resource, done: 0, total: 0 });
        let mut tell = |done, total| progress(PullProgress { resource, done, total });
        client.list_pages(endpoint, Some(&filter), &mut tell).await.map(|l| rows(l, resource))
    };
    let users = fetch("/Users", "User", filter_uai(&format!("{ENT_USER}:establishments"), uai)).await?;
    let groups = fetch("/Groups", "Group", filter_uai(&format!("{ENT_GROUP}:establishment"), uai)).await?;
    let rules = if client.caps.resource_types.iter().any(|t| t == "VisibilityRule") {
        fetch("/VisibilityRules", "VisibilityRule", filter_uai("establishment", uai)).await?
    } else {
        Vec::new()
    };
    let pulled = Pulled { users: users.len(), groups: groups.len(), visibility_rules: rules.len() };
    let all: Vec<SnapshotRow> = users.into_iter().chain(groups).chain(rules).collect();
    store.replace_snapshot(&all, client.url(), actor)?;
    // The server's eyes become the local ones, unless a change of eyes waits to go.
    let waiting = store.outbox()?.iter().any(|c| c.resource == "VisibilityRule");
    if !waiting {
        store.adopt_visibility(&server_matrix(store)?)?;
    }
    Ok(pulled)
}

/// The eyes as the server holds them (from the last pull, kept current by pushes).
pub fn server_matrix(store: &Store) -> Result<crate::visibility::Matrix, SyncError> {
    let mut m = crate::visibility::Matrix::default();
    for row in store.snapshot("VisibilityRule")? {
        let Ok(body) = serde_json::from_str::<Value>(&row.body) else { continue };
        let profile = body["profile"].as_str().and_then(crate::visibility::VProfile::parse);
        let node = body["node"].as_str().and_then(crate::visibility::node);
        if let (Some(p), Some(n), Some(v)) = (profile, node, body["visible"].as_bool()) {
            m.set(p, n, v);
        }
    }
    Ok(m)
}
