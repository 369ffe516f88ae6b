//! The outbox: changes accepted in Préau that wait for the ENT server. A
//! change is queued in the transaction that accepts it and leaves only once
//! the server has confirmed it, so nothing accepted is lost in between.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::{audit_log, sql, Store, StoreError};

/// The SCIM namespace of Préau's ENT extension.
pub const ENT_USER: &str = "urn:preau:scim:schemas:extension:ent:1.0:User";
pub const ENT_GROUP: &str = "urn:preau:scim:schemas:extension:ent:1.0:Group";

/// One queued change: a SCIM operation on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxChange {
    pub id: i64,
    /// `User`, `Group` or `VisibilityRule`.
    pub resource: String,
    /// The resource's id on the server.
    pub target: String,
    /// `patch`, `create` or `delete`.
    pub op: String,
    /// The request body (JSON).
    pub payload: String,
    /// What produced it, for the preview (« rapprochement pronote, session 3 »).
    pub origin: String,
    pub created_at: String,
    /// `pending`, or `conflict` when the server had changed the resource.
    pub state: String,
    /// On a conflict, the server's version of the resource (JSON).
    pub server: Option<String>,
    /// On a conflict, the version the change was made over (JSON), when known.
    pub base: Option<String>,
}

/// Who an account is, as the ENT's console names it (« NOM Prénom », its
/// profile and classes), so a pending change reads by its person rather than
/// by the account's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountName {
    /// « NOM Prénom ».
    pub name: String,
    /// The profile's code (`eleve`, `enseignant`…), when the account was imported.
    pub profile: Option<String>,
    pub classes: Vec<String>,
}

/// A SCIM PATCH body setting (or, with `None`, removing) one attribute.
pub fn patch_attribute(path: &str, value: Option<&str>) -> serde_json::Value {
    let operation = match value {
        Some(v) => serde_json::json!({ "op": "replace", "path": path, "value": v }),
        None => serde_json::json!({ "op": "remove", "path": path }),
    };
    serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation] })
}

/// A group membership change: account `account` (its ENT id) joins or leaves
/// group `group` (its `externalId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub group: String,
    pub account: String,
    pub join: bool,
}

/// The PATCH body of a membership change. Members are named by their
/// `externalId`: the push puts the server's id in their place.
pub fn membership_patch(account: &str, join: bool) -> serde_json::Value {
    let op = if join { "add" } else { "remove" };
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": op, "path": "members", "value": [{ "externalId": account }] }],
    })
}

/// How the user settles a conflict.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Garder la mienne.
    Mine,
    /// Prendre celle du serveur.
    Theirs,
    /// Fusionner: this PatchOp, composed from base, mine and theirs.
    Merge(serde_json::Value),
}

/// Changes the server confirmed together, on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub changes: Vec<i64>,
    pub resource: String,
    pub server_id: String,
    pub etag: Option<String>,
    /// The resource as it now stands on the server (JSON), when known.
    pub body: Option<String>,
}

/// Queues a change inside the caller's transaction.
pub(super) fn queue(
    tx: &Transaction<'_>,
    resource: &str,
    target: &str,
    op: &str,
    payload: &serde_json::Value,
    origin: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (resource, target, op, payload, origin, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![resource, target, op, payload.to_string(), origin, audit_log::now()],
    )
    .map_err(sql("file d'envoi"))?;
    Ok(())
}

impl Store {
    /// The name of each account among `ids` the store knows: from the imported
    /// ENT directory, else from the server's directory as last pulled. An
    /// account known to neither is left out.
    pub fn account_names<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<std::collections::HashMap<String, AccountName>, StoreError> {
        let ctx = sql("comptes");
        let mut local = self
            .conn
            .prepare_cached("SELECT usage_name, given_names, profile, classes FROM account WHERE id = ?1")
            .map_err(ctx)?;
        let mut pulled = self
            .conn
            .prepare_cached("SELECT body FROM scim_resource WHERE resource = 'User' AND external_id = ?1 LIMIT 1")
            .map_err(sql("annuaire du serveur"))?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if out.contains_key(id) {
                continue;
            }
            let row = local
                .query_row([id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                })
                .optional()
                .map_err(sql("comptes"))?;
            let found = match row {
                Some((usage, given, profile, classes)) => {
                    // A malformed list only costs the first name or the classes, not the line.
                    let given: Vec<String> = serde_json::from_str(&given).unwrap_or_default();
                    let classes: Vec<String> = serde_json::from_str(&classes).unwrap_or_default();
                    let name = format!("{} {}", usage.to_uppercase(), given.first().map_or("", String::as_str));
                    Some(AccountName {
                        name: name.trim().to_string(),
                        profile: crate::model::Profile::parse(&profile).map(|p| p.as_str().to_string()),
                        classes,
                    })
                }
                None => pulled
                    .query_row([id], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(sql("annuaire du serveur"))?
                    .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .and_then(|b| {
                        b["displayName"].as_str().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string)
                    })
                    .map(|name| AccountName { name, profile: None, classes: Vec::new() }),
            };
            if let Some(found) = found.filter(|f| !f.name.is_empty()) {
                out.insert(id.to_string(), found);
            }
        }
        Ok(out)
    }

    /// The changes waiting for the server (conflicts included), oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxChange>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, resource, target, op, payload, origin, created_at, state, server, base FROM outbox ORDER BY id",
            )
            .map_err(sql("file d'envoi"))?;
        let rows = st
            .query_map([], |r| {
                Ok(OutboxChange {
                    id: r.get(0)?,
                    resource: r.get(1)?,
                    target: r.get(2)?,
                    op: r.get(3)?,
                    payload: r.get(4)?,
                    origin: r.get(5)?,
                    created_at: r.get(6)?,
                    state: r.get(7)?,
                    server: r.get(8)?,
                    base: r.get(9)?,
                })
            })
            .map_err(sql("file d'envoi"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("file d'envoi"))
    }

    /// Queues group membership changes in one transaction; returns how many.
    pub fn queue_memberships(
        &mut self,
        changes: &[MembershipChange],
        origin: &str,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction().map_err(sql("file d'envoi"))?;
        for c in changes {
            queue(&tx, "Group", &c.group, "patch", &membership_patch(&c.account, c.join), origin)?;
        }
        audit_log::append(
            &tx,
            actor,
            "SYNC_QUEUED",
            &serde_json::json!({ "origin": origin, "memberships": changes.len() }),
        )?;
        tx.commit().map_err(sql("file d'envoi"))?;
        Ok(changes.len())
    }

    /// The server confirmed these changes: they leave the outbox, each with
    /// an audit entry, and the snapshot takes each resource's new version,
    /// all in one transaction.
    pub fn outbox_confirm(&mut self, confirmed: &[Confirmed], actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("file d'envoi"))?;
        for c in confirmed {
            for &id in &c.changes {
                let target: Option<String> = tx
                    .query_row("SELECT target FROM outbox WHERE id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(sql("file d'envoi"))?;
                // Already gone: confirmed twice in one run is still once.
                let Some(target) = target else { continue };
                tx.execute("DELETE FROM outbox WHERE id = ?1", [id]).map_err(sql("file d'envoi"))?;
                audit_log::append(
                    &tx,
                    actor,
                    "SYNC_PUSHED",
                    &serde_json::json!({ "change": id, "resource": c.resource, "target": target, "server_id": c.server_id }),
                )?;
            }
            match (&c.body, &c.etag) {
                // The resource as it now stands: kept (a new one enters the snapshot).
                (Some(body), _) => {
                    let external = serde_json::from_str::<serde_json::Value>(body)
                        .ok()
                        .and_then(|b| b["externalId"].as_str().map(str::to_string));
                    tx.execute(
                        "INSERT INTO scim_resource (resource, id, external_id, etag, body) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(resource, id) DO UPDATE SET etag = excluded.etag, body = excluded.body,
                             external_id = COALESCE(excluded.external_id, external_id)",
                        params![c.resource, c.server_id, external, c.etag, body],
                    )
                    .map_err(sql("annuaire du serveur"))?;
                }
                (None, Some(tag)) => {
                    tx.execute(
                        "UPDATE scim_resource SET etag = ?3 WHERE resource = ?1 AND id = ?2",
                        params![c.resource, c.server_id, tag],
                    )
                    .map_err(sql("annuaire du serveur"))?;
                }
                (None, None) => {}
            }
        }
        tx.commit().map_err(sql("file d'envoi"))
    }

    /// How many changes wait (conflicts included).
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(sql("file d'envoi"))
    }

    /// The server refused change `id` as stale and changed the same thing:
    /// it waits as a conflict, with the server's version and the base.
    pub fn outbox_conflict(&mut self, id: i64, server_version: &str, base: Option<&str>) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'conflict', server = ?2, base = ?3 WHERE id = ?1",
                params![id, server_version, base],
            )
            .map_err(sql("file d'envoi"))?;
        Ok(())
    }

    /// Resolves conflict `id`. Keeping mine sends the change again over the
    /// server's version; taking theirs drops it; merging sends `merged` (a
    /// PatchOp the user composed from base, mine and theirs) over the
    /// server's version. Audited.
    pub fn resolve_conflict(&mut self, id: i64, choice: Resolution, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("file d'envoi"))?;
        let server: Option<String> = tx
            .query_row("SELECT server FROM outbox WHERE id = ?1 AND state = 'conflict'", [id], |r| r.get(0))
            .optional()
            .map_err(sql("file d'envoi"))?
            .ok_or_else(|| StoreError::Data {
                table: "outbox",
                row: format!("modification {id}"),
                field: "state",
                value: "aucun conflit de ce numéro".into(),
            })?;
        let kept = match &choice {
            Resolution::Mine => "mine",
            Resolution::Theirs => "theirs",
            Resolution::Merge(_) => "merge",
        };
        let mut detail = serde_json::json!({ "change": id, "kept": kept });
        match choice {
            Resolution::Theirs => {
                tx.execute("DELETE FROM outbox WHERE id = ?1", [id]).map_err(sql("file d'envoi"))?;
            }
            Resolution::Mine | Resolution::Merge(_) => {
                // The next push goes over the server's current version.
                if let Some(body) = server.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()) {
                    if let (Some(sid), Some(tag), Some(kind)) =
                        (body["id"].as_str(), body["meta"]["version"].as_str(), body["meta"]["resourceType"].as_str())
                    {
                        tx.execute(
                            "INSERT INTO scim_resource (resource, id, external_id, etag, body) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT(resource, id) DO UPDATE SET etag = excluded.etag, body = excluded.body",
                            params![kind, sid, body["externalId"].as_str(), tag, body.to_string()],
                        )
                        .map_err(sql("annuaire du serveur"))?;
                    }
                }
                if let Resolution::Merge(merged) = &choice {
                    tx.execute("UPDATE outbox SET payload = ?2 WHERE id = ?1", params![id, merged.to_string()])
                        .map_err(sql("file d'envoi"))?;
                    detail["payload"] = merged.clone();
                }
                tx.execute("UPDATE outbox SET state = 'pending', server = NULL, base = NULL WHERE id = ?1", [id])
                    .map_err(sql("file d'envoi"))?;
            }
        }
        audit_log::append(&tx, actor, "SYNC_RESOLVED", &detail)?;
        tx.commit().map_err(sql("file d'envoi"))
    }

    /// Withdraws pending change `id` before it is sent (the administrator
    /// rejected it in the preview). Audited; the change itself is recorded.
    pub fn outbox_reject(&mut self, id: i64, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("file d'envoi"))?;
        let change: Option<(String, String, String)> = tx
            .query_row("SELECT resource, target, payload FROM outbox WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(sql("file d'envoi"))?;
        let Some((resource, target, payload)) = change else {
            return Err(StoreError::Data {
                table: "outbox",
                row: format!("modification {id}"),
                field: "id",
                value: "aucune modification en attente de ce numéro".into(),
            });
        };
        tx.execute("DELETE FROM outbox WHERE id = ?1", [id]).map_err(sql("file d'envoi"))?;
        audit_log::append(
            &tx,
            actor,
            "SYNC_REJECTED",
            &serde_json::json!({ "change": id, "resource": resource, "target": target, "payload": payload }),
        )?;
        tx.commit().map_err(sql("file d'envoi"))
    }
}
