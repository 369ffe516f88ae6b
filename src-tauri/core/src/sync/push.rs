//! `push`: the outbox's changes sent one at a time, oldest first. A change
//! leaves the outbox only once the server has confirmed it; a change the
//! server refuses as stale (412) waits as a conflict with the server's
//! version beside it. Killed at any moment, the next push starts again from
//! what is still queued: a PATCH sets values, so sending it twice is harmless.

use serde_json::Value;

use super::client::{Client, Written};
use super::SyncError;
use crate::store::Store;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    pub sent: usize,
    pub conflicts: usize,
    /// Changes whose resource the server does not have.
    pub missing: usize,
    /// Still waiting (conflicts included).
    pub remaining: usize,
}

fn endpoint(resource: &str) -> &'static str {
    match resource {
        "Group" => "/Groups",
        "VisibilityRule" => "/VisibilityRules",
        _ => "/Users",
    }
}

/// Where each resource is on the server: `(resource, externalId)` → (id, version).
type Known = std::collections::HashMap<(String, String), (String, Option<String>)>;

fn known(store: &Store) -> Result<Known, SyncError> {
    let mut map = Known::new();
    for resource in ["User", "Group", "VisibilityRule"] {
        for row in store.snapshot(resource)? {
            let key = row.external_id.clone().unwrap_or_else(|| row.id.clone());
            map.insert((resource.to_string(), key), (row.id, row.etag));
        }
    }
    Ok(map)
}

/// The server's id and version of the resource Préau knows as `target`
/// (its `externalId`): from the snapshot, else asked of the server.
async fn locate(
    client: &Client,
    known: &Known,
    resource: &str,
    target: &str,
) -> Result<Option<(String, Option<String>)>, SyncError> {
    if let Some(found) = known.get(&(resource.to_string(), target.to_string())) {
        return Ok(Some(found.clone()));
    }
    let filter = format!("externalId eq \"{}\"", target.replace('"', ""));
    let found = client.list_all(endpoint(resource), Some(&filter)).await?;
    Ok(found.into_iter().next().and_then(|l| Some((l.body["id"].as_str()?.to_string(), l.etag))))
}

/// Sends every pending change; `cancelled` is checked between changes.
pub async fn push(
    client: &Client,
    store: &mut Store,
    actor: &str,
    cancelled: &dyn Fn() -> bool,
) -> Result<Pushed, SyncError> {
    let mut out = Pushed::default();
    let mut known = known(store)?;
    for change in store.outbox()?.into_iter().filter(|c| c.state == "pending") {
        if cancelled() {
            break;
        }
        let Some((id, etag)) = locate(client, &known, &change.resource, &change.target).await? else {
            out.missing += 1;
            continue;
        };
        let body: Value = serde_json::from_str(&change.payload).map_err(|e| SyncError::BadResponse {
            what: format!("modification {}", change.id),
            message: e.to_string(),
        })?;
        let path = format!("{}/{id}", endpoint(&change.resource));
        match client.patch(&path, &body, etag.as_deref()).await? {
            Written::Done { etag } => {
                store.outbox_done(change.id, &id, etag.as_deref(), actor)?;
                // The next change to the same resource goes over this version.
                known.insert((change.resource.clone(), change.target.clone()), (id, etag));
                out.sent += 1;
            }
            Written::Stale => {
                let theirs = client.get(&path).await?.body;
                store.outbox_conflict(change.id, &theirs.to_string())?;
                out.conflicts += 1;
            }
        }
    }
    out.remaining = store.outbox()?.len();
    Ok(out)
}
