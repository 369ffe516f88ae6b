//! The outbox: changes accepted in Préau that wait for the ENT server. A
//! change is queued in the transaction that accepts it and leaves only once
//! the server has confirmed it, so nothing accepted is lost in between.

use rusqlite::{params, Transaction};
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
}

/// A SCIM PATCH body setting (or, with `None`, removing) one attribute.
pub fn patch_attribute(path: &str, value: Option<&str>) -> serde_json::Value {
    let operation = match value {
        Some(v) => serde_json::json!({ "op": "replace", "path": path, "value": v }),
        None => serde_json::json!({ "op": "remove", "path": path }),
    };
    serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation] })
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
    /// The changes waiting for the server, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxChange>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, resource, target, op, payload, origin, created_at FROM outbox ORDER BY id")
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
                })
            })
            .map_err(sql("file d'envoi"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("file d'envoi"))
    }
}
