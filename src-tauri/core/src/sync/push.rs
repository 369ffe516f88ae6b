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

/// The value at a PATCH path (`urn:…:User:pronoteId` or `displayName`) in a resource.
fn at_path<'a>(resource: &'a Value, path: &str) -> &'a Value {
    match path.rsplit_once(':') {
        Some((urn, attr)) if urn.contains(':') => &resource[urn][attr],
        _ => &resource[path],
    }
}

/// Whether the server's version already carries every operation of `patch`.
fn already_applied(patch: &Value, theirs: &Value) -> bool {
    let ops = patch["Operations"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    !ops.is_empty()
        && ops.iter().all(|op| {
            let path = op["path"].as_str().unwrap_or("");
            let found = at_path(theirs, path);
            match op["op"].as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("remove") => found.is_null(),
                Some("replace") | Some("add") => *found == op["value"],
                _ => false,
            }
        })
}

/// Sends every pending change; `cancelled` is checked between changes,
/// `progress` hears (done, total) after each.
pub async fn push(
    client: &Client,
    store: &mut Store,
    actor: &str,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Pushed, SyncError> {
    let mut out = Pushed::default();
    let mut known = known(store)?;
    let pending: Vec<_> = store.outbox()?.into_iter().filter(|c| c.state == "pending").collect();
    let total = pending.len();
    progress(0, total);
    for (done, change) in pending.into_iter().enumerate() {
        if cancelled() {
            break;
        }
        let Some((id, etag)) = locate(client, &known, &change.resource, &change.target).await? else {
            out.missing += 1;
            progress(done + 1, total);
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
                let theirs = client.get(&path).await?;
                if already_applied(&body, &theirs.body) {
                    // Our own earlier send landed, but its confirmation was lost (a kill, a cut).
                    let etag = theirs.etag.or_else(|| theirs.body["meta"]["version"].as_str().map(str::to_string));
                    store.outbox_done(change.id, &id, etag.as_deref(), actor)?;
                    known.insert((change.resource.clone(), change.target.clone()), (id, etag));
                    out.sent += 1;
                } else {
                    store.outbox_conflict(change.id, &theirs.body.to_string())?;
                    out.conflicts += 1;
                }
            }
        }
        progress(done + 1, total);
    }
    out.remaining = store.outbox()?.len();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::already_applied;
    use serde_json::json;

    #[test]
    fn a_landed_change_is_recognised() {
        let set = json!({ "Operations": [{ "op": "replace", "path": "urn:preau:scim:schemas:extension:ent:1.0:User:pronoteId", "value": "P1" }] });
        let remove = json!({ "Operations": [{ "op": "remove", "path": "urn:preau:scim:schemas:extension:ent:1.0:User:pronoteId" }] });
        let with = json!({ "urn:preau:scim:schemas:extension:ent:1.0:User": { "pronoteId": "P1" } });
        let other = json!({ "urn:preau:scim:schemas:extension:ent:1.0:User": { "pronoteId": "P2" } });
        let without = json!({ "displayName": "X" });
        assert!(already_applied(&set, &with));
        assert!(!already_applied(&set, &other));
        assert!(!already_applied(&set, &without));
        assert!(already_applied(&remove, &without));
        assert!(!already_applied(&remove, &with));
        assert!(!already_applied(&json!({ "Operations": [] }), &with));
    }
}
