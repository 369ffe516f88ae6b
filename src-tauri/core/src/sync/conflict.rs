//! A conflict seen three ways — the version the change was made over (base),
//! the change (mine) and the server's version (theirs) — and the PATCH the
//! user composes when merging.

use serde::Serialize;
use serde_json::{json, Value};

use super::push::{current, effects, Key};
use crate::store::OutboxChange;

/// One attribute of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRow {
    /// The PATCH path (`urn:…:User:pronoteId`), or `members` for a membership.
    pub path: String,
    /// The member concerned, for a membership.
    pub member: Option<String>,
    /// `null` where the attribute is absent (or the base unknown).
    pub base: Value,
    pub mine: Value,
    pub theirs: Value,
    /// Both sides changed it, differently.
    pub clash: bool,
    /// What a merge proposes: mine where only I changed it, theirs where only
    /// they did, mine again (to be edited) where both did.
    pub merged: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictView {
    pub change: i64,
    pub resource: String,
    pub target: String,
    /// The resource's name on the server (displayName or userName).
    pub name: String,
    pub origin: String,
    /// Whether the version the change was made over is known.
    pub base_known: bool,
    pub rows: Vec<ConflictRow>,
}

fn parse(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// The three-way view of a conflict (`None` when `change` is not one).
pub fn conflict_view(change: &OutboxChange) -> Option<ConflictView> {
    if change.state != "conflict" {
        return None;
    }
    let theirs = parse(change.server.as_deref()).unwrap_or(Value::Null);
    let base = parse(change.base.as_deref());
    let payload = parse(Some(&change.payload)).unwrap_or(Value::Null);
    let ops = payload["Operations"].as_array().cloned().unwrap_or_default();
    let rows = effects(&ops)
        .into_iter()
        .map(|(key, mine)| {
            let their = match &key {
                // A queued membership names the member by externalId; the server by id.
                Key::Member(_) => Value::Null,
                k => current(&theirs, k),
            };
            let was = match (&key, &base) {
                (Key::Path(_), Some(b)) => current(b, &key),
                _ => Value::Null,
            };
            let they_changed = base.is_none() || their != was;
            let clash = they_changed && their != mine;
            let merged = if clash || !they_changed { mine.clone() } else { their.clone() };
            let (path, member) = match key {
                Key::Path(p) => (p, None),
                Key::Member(m) => ("members".to_string(), Some(m)),
            };
            ConflictRow { path, member, base: was, mine, theirs: their, clash, merged }
        })
        .collect();
    let name = theirs["displayName"].as_str().or(theirs["userName"].as_str()).unwrap_or(&change.target).to_string();
    Some(ConflictView {
        change: change.id,
        resource: change.resource.clone(),
        target: change.target.clone(),
        name,
        origin: change.origin.clone(),
        base_known: base.is_some(),
        rows,
    })
}

/// The PATCH a merge sends: the change's own operations, with the value of
/// each path in `values` replaced by the user's (`null` removes the attribute).
pub fn merged_patch(change: &OutboxChange, values: &[(String, Value)]) -> Value {
    let payload = parse(Some(&change.payload)).unwrap_or(Value::Null);
    let mut ops: Vec<Value> = payload["Operations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|op| !values.iter().any(|(p, _)| op["path"].as_str() == Some(p)))
        .collect();
    for (path, value) in values {
        let empty = value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty());
        ops.push(if empty {
            json!({ "op": "remove", "path": path })
        } else {
            json!({ "op": "replace", "path": path, "value": value })
        });
    }
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRONOTE: &str = "urn:preau:scim:schemas:extension:ent:1.0:User:pronoteId";
    const EXT: &str = "urn:preau:scim:schemas:extension:ent:1.0:User";

    fn conflict(base: Option<Value>, theirs: Value) -> OutboxChange {
        OutboxChange {
            id: 7,
            resource: "User".into(),
            target: "ent-1".into(),
            op: "patch".into(),
            payload: crate::store::patch_attribute(PRONOTE, Some("P1")).to_string(),
            origin: "rapprochement pronote".into(),
            created_at: String::new(),
            state: "conflict".into(),
            server: Some(theirs.to_string()),
            base: base.map(|b| b.to_string()),
        }
    }

    #[test]
    fn the_three_versions_sit_side_by_side() {
        let base = json!({ EXT: { "pronoteId": "P0" } });
        let theirs = json!({ "displayName": "Léa Martin", EXT: { "pronoteId": "P2" } });
        let view = conflict_view(&conflict(Some(base), theirs)).unwrap();
        assert_eq!(view.name, "Léa Martin");
        assert_eq!(view.rows.len(), 1);
        let row = &view.rows[0];
        assert_eq!((row.base.clone(), row.mine.clone(), row.theirs.clone()), (json!("P0"), json!("P1"), json!("P2")));
        assert!(row.clash);
        // Not a conflict at all when they did not touch it.
        let calm = conflict_view(&conflict(
            Some(json!({ EXT: { "pronoteId": "P0" } })),
            json!({ EXT: { "pronoteId": "P0" } }),
        ));
        assert!(!calm.unwrap().rows[0].clash);
        let mut pending = conflict(None, json!({}));
        pending.state = "pending".into();
        assert!(conflict_view(&pending).is_none());
    }

    #[test]
    fn a_merge_sends_the_chosen_values() {
        let c = conflict(None, json!({}));
        let merged = merged_patch(&c, &[(PRONOTE.to_string(), json!("P3"))]);
        assert_eq!(merged["Operations"], json!([{ "op": "replace", "path": PRONOTE, "value": "P3" }]));
        let cleared = merged_patch(&c, &[(PRONOTE.to_string(), json!(""))]);
        assert_eq!(cleared["Operations"], json!([{ "op": "remove", "path": PRONOTE }]));
    }
}
