//! The groups the administrator makes, with their members' origins, and
//! what each change queues for the server (`/Groups`: created with their
//! kind, rule and locks; members added and removed by PATCH; deleted).

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{audit_log, outbox, sql, Store, StoreError, ENT_GROUP};
use crate::groups::{gar_refusal, GarRole, ManagedGroup, Member, Origin, Rule};
use crate::model::{EstablishmentData, GroupKind};

/// A new group.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    pub kind: GroupKind,
    pub rule: Option<Rule>,
    pub lock_delete: bool,
    pub lock_recompose: bool,
}

fn refused(code: &'static str, message: String) -> StoreError {
    StoreError::Refused { code, message }
}

/// The group as the server holds it (members go by PATCH afterwards).
fn body(g: &ManagedGroup, uai: &str) -> serde_json::Value {
    let mut ext = serde_json::json!({
        "kind": g.kind.as_str(),
        "establishment": uai,
        "locks": { "noDeletion": g.lock_delete, "noRecomposition": g.lock_recompose },
    });
    if let Some(r) = &g.rule {
        ext["rule"] = serde_json::json!(r.text());
    }
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ENT_GROUP],
        "externalId": g.id,
        "displayName": g.name,
        ENT_GROUP: ext,
    })
}

fn patch(ops: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
}

/// The ENT accounts of each person (see [`crate::groups::accounts_of_people`]).
pub fn accounts_by_person(data: &EstablishmentData) -> BTreeMap<&str, Vec<&str>> {
    crate::groups::accounts_of_people(data)
}

/// Queues the membership changes of `people` (joining or leaving) for their accounts; returns
/// how many people have no ENT account (nothing to send for them).
fn queue_members(
    tx: &Transaction<'_>,
    group: &str,
    people: &[String],
    join: bool,
    accounts: &BTreeMap<&str, Vec<&str>>,
    origin: &str,
) -> Result<usize, StoreError> {
    let mut without = 0;
    for p in people {
        match accounts.get(p.as_str()) {
            Some(list) => {
                for a in list {
                    outbox::queue(tx, "Group", group, "patch", &outbox::membership_patch(a, join), origin)?;
                }
            }
            None => without += 1,
        }
    }
    Ok(without)
}

impl Store {
    pub fn managed_groups(&self) -> Result<Vec<ManagedGroup>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, name, kind, rule, lock_delete, lock_recompose FROM managed_group ORDER BY seq")
            .map_err(sql("groupes"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .map_err(sql("groupes"))?;
        let mut groups = Vec::new();
        for row in rows {
            let (id, name, kind, rule, lock_delete, lock_recompose) = row.map_err(sql("groupes"))?;
            let bad = |field: &'static str, value: String| StoreError::Data {
                table: "managed_group",
                row: id.clone(),
                field,
                value,
            };
            let kind = GroupKind::parse(&kind).ok_or_else(|| bad("kind", kind.clone()))?;
            let rule = match rule {
                Some(text) => Some(serde_json::from_str::<Rule>(&text).map_err(|e| bad("rule", e.to_string()))?),
                None => None,
            };
            groups.push(ManagedGroup { id, name, kind, rule, lock_delete, lock_recompose, members: Vec::new() });
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT group_id, person, origin, role, since FROM managed_member ORDER BY group_id, since, person",
            )
            .map_err(sql("groupes"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(sql("groupes"))?;
        for row in rows {
            let (group, person, origin, role, since) = row.map_err(sql("groupes"))?;
            let origin = if origin == "AUTO" { Origin::Auto } else { Origin::Manual };
            let role = match role.as_deref() {
                Some("responsable") => Some(GarRole::Responsable),
                Some("gestionnaire") => Some(GarRole::Gestionnaire),
                _ => None,
            };
            if let Some(g) = groups.iter_mut().find(|g| g.id == group) {
                g.members.push(Member { person, origin, role, since });
            }
        }
        Ok(groups)
    }

    pub fn managed_group(&self, id: &str) -> Result<ManagedGroup, StoreError> {
        self.managed_groups()?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or_else(|| refused("GROUP_UNKNOWN", format!("aucun groupe « {id} » dans cet établissement")))
    }

    /// Creates a group (its rule not yet applied: see [`Store::apply_group_diff`]) and queues it.
    pub fn create_group(&mut self, uai: &str, new: &NewGroup, actor: &str) -> Result<ManagedGroup, StoreError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(refused("GROUP_NAME", "un groupe a besoin d'un nom".into()));
        }
        if self.managed_groups()?.iter().any(|g| g.name.eq_ignore_ascii_case(name)) {
            return Err(refused("GROUP_NAME", format!("un groupe « {name} » existe déjà")));
        }
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        let seq: i64 = tx
            .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM managed_group", [], |r| r.get(0))
            .map_err(sql("groupes"))?;
        let group = ManagedGroup {
            id: format!("{uai}-G{seq:04}"),
            name: name.to_string(),
            kind: new.kind,
            rule: new.rule.clone(),
            lock_delete: new.lock_delete,
            lock_recompose: new.lock_recompose,
            members: Vec::new(),
        };
        let rule = match &group.rule {
            Some(r) => Some(serde_json::to_string(r).map_err(|e| refused("GROUP_RULE", e.to_string()))?),
            None => None,
        };
        tx.execute(
            "INSERT INTO managed_group (seq, id, name, kind, rule, lock_delete, lock_recompose, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                seq,
                group.id,
                group.name,
                group.kind.as_str(),
                rule,
                group.lock_delete,
                group.lock_recompose,
                audit_log::now()
            ],
        )
        .map_err(sql("groupes"))?;
        outbox::queue(&tx, "Group", &group.id, "create", &body(&group, uai), "groupes")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_CREATED",
            &serde_json::json!({ "group": group.id, "name": group.name, "kind": group.kind.as_str(), "rule": group.rule.as_ref().map(Rule::text) }),
        )?;
        tx.commit().map_err(sql("groupes"))?;
        Ok(group)
    }

    pub fn rename_group(&mut self, id: &str, name: &str, actor: &str) -> Result<(), StoreError> {
        let g = self.managed_group(id)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(refused("GROUP_NAME", "un groupe a besoin d'un nom".into()));
        }
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        tx.execute("UPDATE managed_group SET name = ?2 WHERE id = ?1", params![id, name]).map_err(sql("groupes"))?;
        let op = serde_json::json!({ "op": "replace", "path": "displayName", "value": name });
        outbox::queue(&tx, "Group", id, "patch", &patch(vec![op]), "groupes")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_RENAMED",
            &serde_json::json!({ "group": id, "from": g.name, "to": name }),
        )?;
        tx.commit().map_err(sql("groupes"))
    }

    /// Deletes a group (refused when it is locked) and queues its deletion.
    pub fn delete_group(&mut self, id: &str, actor: &str) -> Result<(), StoreError> {
        let g = self.managed_group(id)?;
        if g.lock_delete {
            return Err(refused(
                "GROUP_LOCKED",
                format!("« {} » est verrouillé : il ne peut pas être supprimé", g.name),
            ));
        }
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        tx.execute("DELETE FROM managed_member WHERE group_id = ?1", [id]).map_err(sql("groupes"))?;
        tx.execute("DELETE FROM managed_group WHERE id = ?1", [id]).map_err(sql("groupes"))?;
        outbox::queue(&tx, "Group", id, "delete", &serde_json::json!({}), "groupes")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_DELETED",
            &serde_json::json!({ "group": id, "name": g.name, "members": g.members.len() }),
        )?;
        tx.commit().map_err(sql("groupes"))
    }

    /// Sets (or clears) a group's rule; its members change only through a diff.
    pub fn set_group_rule(&mut self, id: &str, rule: Option<&Rule>, actor: &str) -> Result<(), StoreError> {
        self.managed_group(id)?;
        let text = match rule {
            Some(r) => Some(serde_json::to_string(r).map_err(|e| refused("GROUP_RULE", e.to_string()))?),
            None => None,
        };
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        tx.execute("UPDATE managed_group SET rule = ?2 WHERE id = ?1", params![id, text]).map_err(sql("groupes"))?;
        let path = format!("{ENT_GROUP}:rule");
        let op = match rule {
            Some(r) => serde_json::json!({ "op": "replace", "path": path, "value": r.text() }),
            None => serde_json::json!({ "op": "remove", "path": path }),
        };
        outbox::queue(&tx, "Group", id, "patch", &patch(vec![op]), "groupes")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_RULE_SET",
            &serde_json::json!({ "group": id, "rule": rule.map(Rule::text) }),
        )?;
        tx.commit().map_err(sql("groupes"))
    }

    /// Adds people by hand (MANUAL), with a GAR role in a GAR group; queues
    /// their accounts' joining. Returns (added, already members, without an ENT account).
    pub fn add_group_members(
        &mut self,
        id: &str,
        people: &[String],
        role: Option<GarRole>,
        data: &EstablishmentData,
        actor: &str,
    ) -> Result<(usize, usize, usize), StoreError> {
        let mut g = self.managed_group(id)?;
        let known: std::collections::BTreeSet<&str> = data.people.iter().map(|p| p.id.as_str()).collect();
        if let Some(unknown) = people.iter().find(|p| !known.contains(p.as_str())) {
            return Err(refused(
                "UNKNOWN_PERSON",
                format!("« {unknown} » n'est pas dans la population de l'établissement"),
            ));
        }
        let role =
            if g.kind == crate::model::GroupKind::Gar { Some(role.unwrap_or(GarRole::Gestionnaire)) } else { None };
        let accounts = accounts_by_person(data);
        let now = audit_log::now();
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        let mut added = Vec::new();
        let mut already = 0;
        for p in people {
            if g.members.iter().any(|m| &m.person == p) {
                // Already there by the rule: it now stays by hand too.
                tx.execute(
                    "UPDATE managed_member SET origin = 'MANUAL' WHERE group_id = ?1 AND person = ?2",
                    params![id, p],
                )
                .map_err(sql("groupes"))?;
                already += 1;
                continue;
            }
            if let Some(r) = role {
                if let Some(why) = gar_refusal(&g, r) {
                    return Err(refused("GAR_LIMIT", why));
                }
            }
            tx.execute(
                "INSERT INTO managed_member (group_id, person, origin, role, since) VALUES (?1, ?2, 'MANUAL', ?3, ?4)",
                params![
                    id,
                    p,
                    role.map(|r| if r == GarRole::Responsable { "responsable" } else { "gestionnaire" }),
                    now
                ],
            )
            .map_err(sql("groupes"))?;
            g.members.push(Member { person: p.clone(), origin: Origin::Manual, role, since: now.clone() });
            added.push(p.clone());
        }
        let without = queue_members(&tx, id, &added, true, &accounts, "groupes")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_MEMBERS_ADDED",
            &serde_json::json!({ "group": id, "people": added, "role": role, "without_account": without }),
        )?;
        tx.commit().map_err(sql("groupes"))?;
        Ok((added.len(), already, without))
    }

    /// Takes people out of a group (whatever their origin) and queues it.
    pub fn remove_group_members(
        &mut self,
        id: &str,
        people: &[String],
        data: &EstablishmentData,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let g = self.managed_group(id)?;
        let present: Vec<String> =
            people.iter().filter(|p| g.members.iter().any(|m| &m.person == *p)).cloned().collect();
        let accounts = accounts_by_person(data);
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        for p in &present {
            tx.execute("DELETE FROM managed_member WHERE group_id = ?1 AND person = ?2", params![id, p])
                .map_err(sql("groupes"))?;
        }
        queue_members(&tx, id, &present, false, &accounts, "groupes")?;
        audit_log::append(&tx, actor, "GROUP_MEMBERS_REMOVED", &serde_json::json!({ "group": id, "people": present }))?;
        tx.commit().map_err(sql("groupes"))?;
        Ok(present.len())
    }

    /// Applies a re-evaluation's diff: entrants join as AUTO, AUTO sortants
    /// leave; both queued. The diff is checked again against the group.
    pub fn apply_group_diff(
        &mut self,
        id: &str,
        diff: &crate::groups::Diff,
        data: &EstablishmentData,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let g = self.managed_group(id)?;
        let entrants: Vec<String> =
            diff.entrants.iter().filter(|p| !g.members.iter().any(|m| &&m.person == p)).cloned().collect();
        let sortants: Vec<String> = diff
            .sortants
            .iter()
            .filter(|p| g.members.iter().any(|m| &&m.person == p && m.origin == Origin::Auto))
            .cloned()
            .collect();
        let accounts = accounts_by_person(data);
        let now = audit_log::now();
        let tx = self.conn.transaction().map_err(sql("groupes"))?;
        for p in &entrants {
            tx.execute(
                "INSERT INTO managed_member (group_id, person, origin, role, since) VALUES (?1, ?2, 'AUTO', NULL, ?3)",
                params![id, p, now],
            )
            .map_err(sql("groupes"))?;
        }
        for p in &sortants {
            tx.execute(
                "DELETE FROM managed_member WHERE group_id = ?1 AND person = ?2 AND origin = 'AUTO'",
                params![id, p],
            )
            .map_err(sql("groupes"))?;
        }
        let without = queue_members(&tx, id, &entrants, true, &accounts, "groupes (règle)")?
            + queue_members(&tx, id, &sortants, false, &accounts, "groupes (règle)")?;
        audit_log::append(
            &tx,
            actor,
            "GROUP_EVALUATED",
            &serde_json::json!({ "group": id, "entrants": entrants, "sortants": sortants, "without_account": without }),
        )?;
        tx.commit().map_err(sql("groupes"))?;
        Ok(entrants.len() + sortants.len())
    }

    /// Whether a group of this name exists (for templates).
    pub fn group_named(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT id FROM managed_group WHERE name = ?1 COLLATE NOCASE", [name], |r| r.get(0))
            .optional()
            .map_err(sql("groupes"))
    }
}
