//! Qui voit qui in the store: the eyes as the administrator set them, the
//! function mapping (defaults until edited) and the hand corrections of the
//! function nodes. A change of eyes queues its `VisibilityRule` for the
//! server in the same transaction.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{audit_log, outbox, sql, Store, StoreError, ENT_USER};
use crate::visibility::functions::{default_rules, FunctionRule, Manual};
use crate::visibility::{Change, Matrix, VProfile};

/// The server's `externalId` of a rule: `UAI|profile|node`.
pub fn rule_id(uai: &str, profile: VProfile, node: &str) -> String {
    format!("{uai}|{}|{node}", profile.code())
}

/// An account whose function nodes on the server should change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeChange {
    pub account: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

fn nodes_path() -> String {
    format!("{ENT_USER}:nodes")
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn data_error(field: &'static str, value: String) -> StoreError {
    StoreError::Data { table: "visibility_cell", row: String::new(), field, value }
}

impl Store {
    /// The eyes as set here.
    pub fn visibility_matrix(&self) -> Result<Matrix, StoreError> {
        let mut st =
            self.conn.prepare("SELECT profile, node, visible FROM visibility_cell").map_err(sql("qui voit qui"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))
            .map_err(sql("qui voit qui"))?;
        let mut m = Matrix::default();
        for row in rows {
            let (profile, node, visible) = row.map_err(sql("qui voit qui"))?;
            let p = VProfile::parse(&profile).ok_or_else(|| data_error("profile", profile.clone()))?;
            m.set(p, &node, visible);
        }
        Ok(m)
    }

    /// Applies `changes` to the eyes and queues each as a `VisibilityRule`
    /// for the server, in one audited transaction. Returns how many were queued.
    pub fn apply_visibility(
        &mut self,
        uai: &str,
        changes: &[Change],
        origin: &str,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let current = self.visibility_matrix()?;
        let tx = self.conn.transaction().map_err(sql("qui voit qui"))?;
        let mut queued = 0;
        for c in changes {
            if current.eye(c.profile, &c.node) == c.visible {
                continue;
            }
            if c.visible {
                tx.execute(
                    "DELETE FROM visibility_cell WHERE profile = ?1 AND node = ?2",
                    params![c.profile.code(), c.node],
                )
            } else {
                tx.execute(
                    "INSERT INTO visibility_cell (profile, node, visible) VALUES (?1, ?2, 0)
                     ON CONFLICT(profile, node) DO UPDATE SET visible = 0",
                    params![c.profile.code(), c.node],
                )
            }
            .map_err(sql("qui voit qui"))?;
            let patch = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "visible", "value": c.visible }],
            });
            outbox::queue(&tx, "VisibilityRule", &rule_id(uai, c.profile, &c.node), "upsert", &patch, origin)?;
            queued += 1;
        }
        audit_log::append(
            &tx,
            actor,
            "VISIBILITY_CHANGED",
            &serde_json::json!({ "origin": origin, "changes": changes, "queued": queued }),
        )?;
        tx.commit().map_err(sql("qui voit qui"))?;
        Ok(queued)
    }

    /// Takes the server's eyes as the local ones (after a pull, when no
    /// change of eyes waits to be sent). Not audited as a change: nothing is queued.
    pub fn adopt_visibility(&mut self, server: &Matrix) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("qui voit qui"))?;
        tx.execute("DELETE FROM visibility_cell", []).map_err(sql("qui voit qui"))?;
        for c in server.cells().into_iter().filter(|c| !c.visible) {
            tx.execute(
                "INSERT INTO visibility_cell (profile, node, visible) VALUES (?1, ?2, 0)",
                params![c.profile.code(), c.node],
            )
            .map_err(sql("qui voit qui"))?;
        }
        tx.commit().map_err(sql("qui voit qui"))
    }

    /// The accounts whose `nodes` on the server (as last pulled, or as
    /// already queued) differ from `wanted`.
    pub fn node_membership_changes(
        &self,
        wanted: &BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<NodeChange>, StoreError> {
        let path = nodes_path();
        let mut current: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in self.snapshot("User")? {
            let Some(ext) = row.external_id else { continue };
            let body: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
            current.insert(ext, strings(&body[ENT_USER]["nodes"]));
        }
        for c in self.outbox()?.into_iter().filter(|c| c.resource == "User") {
            let body: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
            for op in body["Operations"].as_array().into_iter().flatten().filter(|op| op["path"] == path.as_str()) {
                current.insert(c.target.clone(), if op["op"] == "remove" { Vec::new() } else { strings(&op["value"]) });
            }
        }
        let accounts: BTreeSet<&String> =
            wanted.keys().chain(current.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k)).collect();
        Ok(accounts
            .into_iter()
            .filter_map(|a| {
                let before = current.get(a).cloned().unwrap_or_default();
                let after = wanted.get(a).cloned().unwrap_or_default();
                (before != after).then(|| NodeChange { account: a.clone(), before, after })
            })
            .collect())
    }

    /// Queues each account's new `nodes` for the server, in one audited transaction.
    pub fn queue_node_memberships(
        &mut self,
        changes: &[NodeChange],
        origin: &str,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let path = nodes_path();
        let tx = self.conn.transaction().map_err(sql("qui fait quoi"))?;
        for c in changes {
            let op = if c.after.is_empty() {
                serde_json::json!({ "op": "remove", "path": path })
            } else {
                serde_json::json!({ "op": "replace", "path": path, "value": c.after })
            };
            let patch =
                serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op] });
            outbox::queue(&tx, "User", &c.account, "patch", &patch, origin)?;
        }
        audit_log::append(
            &tx,
            actor,
            "FUNCTION_NODES_QUEUED",
            &serde_json::json!({ "origin": origin, "accounts": changes.len() }),
        )?;
        tx.commit().map_err(sql("qui fait quoi"))?;
        Ok(changes.len())
    }

    /// The function mapping: the defaults until the administrator edits it.
    pub fn function_rules(&self) -> Result<Vec<FunctionRule>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'function_rules'", [], |r| r.get(0))
            .optional()
            .map_err(sql("réglages"))?;
        match text {
            None => Ok(default_rules()),
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Data {
                table: "meta",
                row: "function_rules".into(),
                field: "value",
                value: e.to_string(),
            }),
        }
    }

    pub fn set_function_rules(&mut self, rules: &[FunctionRule], actor: &str) -> Result<(), StoreError> {
        let text = serde_json::to_string(rules).map_err(|e| data_error("rules", e.to_string()))?;
        let tx = self.conn.transaction().map_err(sql("réglages"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('function_rules', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [text],
        )
        .map_err(sql("réglages"))?;
        audit_log::append(&tx, actor, "FUNCTION_RULES_CHANGED", &serde_json::json!({ "rules": rules }))?;
        tx.commit().map_err(sql("réglages"))
    }

    pub fn function_manual(&self) -> Result<Vec<Manual>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT node, person, member FROM function_manual ORDER BY node, person")
            .map_err(sql("qui fait quoi"))?;
        let rows = st
            .query_map([], |r| Ok(Manual { node: r.get(0)?, person: r.get(1)?, member: r.get(2)? }))
            .map_err(sql("qui fait quoi"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("qui fait quoi"))
    }

    /// Puts `person` in `node` by hand (`Some(true)`), takes them out
    /// (`Some(false)`), or drops the correction (`None`). Audited.
    pub fn set_function_member(
        &mut self,
        node: &str,
        person: &str,
        member: Option<bool>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("qui fait quoi"))?;
        match member {
            Some(m) => tx.execute(
                "INSERT INTO function_manual (node, person, member) VALUES (?1, ?2, ?3)
                 ON CONFLICT(node, person) DO UPDATE SET member = excluded.member",
                params![node, person, m],
            ),
            None => tx.execute("DELETE FROM function_manual WHERE node = ?1 AND person = ?2", params![node, person]),
        }
        .map_err(sql("qui fait quoi"))?;
        audit_log::append(
            &tx,
            actor,
            "FUNCTION_MEMBER_SET",
            &serde_json::json!({ "node": node, "person": person, "member": member }),
        )?;
        tx.commit().map_err(sql("qui fait quoi"))
    }
}
