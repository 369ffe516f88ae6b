//! What the Annuaire changes by hand, kept apart from what the files give so
//! that an import never drops it: the accounts created in Préau (no national
//! feed carries them), the functions added to or taken from a person, and the
//! pupils an AESH or a tutor follows. [`Store::load_population`] lays them
//! over the imported population; each change is queued for the ENT in the
//! transaction that records it, journaled.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{audit_log, outbox, sql, Store, StoreError, ENT_USER};
use crate::model::{Account, EstablishmentData, Function, Person, Profile, Sex};

/// The ids of the accounts created in Préau start with this.
pub const HAND_PREFIX: &str = "PREAU-";

/// An account created in Préau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandAccount {
    pub id: String,
    pub profile: Profile,
    /// `M.` or `Mme`.
    pub civility: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub functions: Vec<Function>,
    /// Group ids.
    pub groups: Vec<String>,
    pub login: String,
    /// The day it ends (AAAA-MM-JJ); `None`: compte pérenne.
    pub until: Option<String>,
    /// Why it was created (« famille d'accueil de … »), as the administrator said.
    pub reason: String,
    pub created_at: String,
    pub actor: String,
    pub closed_at: Option<String>,
}

impl HandAccount {
    /// The person, as the population holds them.
    pub fn person(&self, data: &EstablishmentData) -> Person {
        Person {
            id: self.id.clone(),
            profile: self.profile,
            sex: match self.civility.as_deref() {
                Some("M.") => Some(Sex::M),
                Some("Mme") => Some(Sex::F),
                _ => None,
            },
            usage_name: self.nom.clone(),
            birth_name: self.nom.clone(),
            given_names: vec![self.prenom.clone()],
            usual_given_name: 0,
            birth_date: None,
            ine: None,
            email: self.email.clone(),
            mobile: self.phones.first().cloned(),
            divisions: Vec::new(),
            functions: self.functions.clone(),
            establishments: vec![data.establishment.uai.clone()],
            left: self.closed_at.is_some(),
        }
    }

    /// The ENT account, as the server is asked to create it.
    pub fn account(&self, data: &EstablishmentData) -> Account {
        Account {
            id: self.id.clone(),
            login: self.login.clone(),
            person_id: Some(self.id.clone()),
            profile: self.profile,
            usage_name: self.nom.clone(),
            birth_name: self.nom.clone(),
            given_names: vec![self.prenom.clone()],
            birth_date: None,
            ine: None,
            email: self.email.clone(),
            classes: Vec::new(),
            functions: self.functions.clone(),
            establishments: vec![data.establishment.uai.clone()],
            children: Vec::new(),
        }
    }
}

/// A function added to (or taken from) a person by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionChange {
    pub person: String,
    pub function: Function,
    pub added: bool,
    pub at: String,
}

/// An AESH or a tutor following a pupil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowLink {
    pub follower: String,
    pub pupil: String,
    pub at: String,
}

/// A change to a person's ENT account, as queued.
pub struct UserPatch<'a> {
    pub account: &'a str,
    pub body: serde_json::Value,
}

fn json_list<T: serde::de::DeserializeOwned>(table: &'static str, row: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Data {
        table,
        row: row.to_string(),
        field: "json",
        value: e.to_string(),
    })
}

fn same_function(a: &Function, b: &Function) -> bool {
    a.code == b.code && a.discipline.as_deref().unwrap_or("") == b.discipline.as_deref().unwrap_or("")
}

/// The body of the PATCH setting a user's functions.
pub fn functions_patch(functions: &[Function]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = functions
        .iter()
        .map(|f| match &f.discipline {
            Some(d) => serde_json::json!({ "code": f.code, "discipline": d }),
            None => serde_json::json!({ "code": f.code }),
        })
        .collect();
    let op = if list.is_empty() {
        serde_json::json!({ "op": "remove", "path": format!("{ENT_USER}:functions") })
    } else {
        serde_json::json!({ "op": "replace", "path": format!("{ENT_USER}:functions"), "value": list })
    };
    serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op] })
}

impl Store {
    pub fn hand_accounts(&self) -> Result<Vec<HandAccount>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, profile, civility, nom, prenom, email, phones, functions, groups, login, until, reason,
                        created_at, actor, closed_at FROM hand_account ORDER BY created_at, id",
            )
            .map_err(sql("comptes créés"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, String>(11)?,
                    (r.get::<_, String>(12)?, r.get::<_, String>(13)?, r.get::<_, Option<String>>(14)?),
                ))
            })
            .map_err(sql("comptes créés"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("comptes créés"))?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, profile, civility, nom, prenom, email, phones, functions, groups, login, until, reason, rest) in rows {
            let profile = Profile::parse(&profile).ok_or_else(|| StoreError::Data {
                table: "hand_account",
                row: id.clone(),
                field: "profile",
                value: profile.clone(),
            })?;
            out.push(HandAccount {
                phones: json_list("hand_account", &id, &phones)?,
                functions: json_list("hand_account", &id, &functions)?,
                groups: json_list("hand_account", &id, &groups)?,
                id,
                profile,
                civility,
                nom,
                prenom,
                email,
                login,
                until,
                reason,
                created_at: rest.0,
                actor: rest.1,
                closed_at: rest.2,
            });
        }
        Ok(out)
    }

    pub fn function_changes(&self) -> Result<Vec<FunctionChange>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT person, code, discipline, label, added, at FROM function_change ORDER BY at, person")
            .map_err(sql("fonctions"))?;
        let rows = st
            .query_map([], |r| {
                let discipline: String = r.get(2)?;
                Ok(FunctionChange {
                    person: r.get(0)?,
                    function: Function {
                        code: r.get(1)?,
                        discipline: (!discipline.is_empty()).then_some(discipline),
                        label: r.get(3)?,
                    },
                    added: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .map_err(sql("fonctions"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("fonctions"))
    }

    pub fn follow_links(&self) -> Result<Vec<FollowLink>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT follower, pupil, at FROM follow_link ORDER BY follower, pupil")
            .map_err(sql("suivis"))?;
        let rows = st
            .query_map([], |r| Ok(FollowLink { follower: r.get(0)?, pupil: r.get(1)?, at: r.get(2)? }))
            .map_err(sql("suivis"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("suivis"))
    }

    /// Lays what the Annuaire changed by hand over the imported population.
    pub(super) fn overlay(&self, data: &mut EstablishmentData) -> Result<(), StoreError> {
        for h in self.hand_accounts()? {
            // A file may give the person since: the file wins, the hand account stays listed.
            if data.people.iter().any(|p| p.id == h.id) {
                continue;
            }
            data.people.push(h.person(data));
            data.accounts.push(h.account(data));
            for g in data.groups.iter_mut().filter(|g| h.groups.contains(&g.id)) {
                if !g.members.contains(&h.id) {
                    g.members.push(h.id.clone());
                }
            }
        }
        let changes = self.function_changes()?;
        if !changes.is_empty() {
            for p in data.people.iter_mut() {
                for c in changes.iter().filter(|c| c.person == p.id) {
                    let had = p.functions.iter().any(|f| same_function(f, &c.function));
                    if c.added && !had {
                        p.functions.push(c.function.clone());
                    } else if !c.added {
                        p.functions.retain(|f| !same_function(f, &c.function));
                    }
                }
            }
        }
        Ok(())
    }

    /// The next free id for an account created in Préau.
    pub fn next_hand_id(&self) -> Result<String, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(MAX(CAST(substr(id, ?1) AS INTEGER)), 0) FROM hand_account",
                [HAND_PREFIX.len() as i64 + 1],
                |r| r.get(0),
            )
            .map_err(sql("comptes créés"))?;
        Ok(format!("{HAND_PREFIX}{:05}", n + 1))
    }

    /// Records an account created in Préau and queues its creation on the
    /// ENT (`body`, the SCIM User) and its messaging nodes, in one journaled
    /// transaction.
    pub fn create_hand_account(
        &mut self,
        h: &HandAccount,
        body: &serde_json::Value,
        nodes: Option<&serde_json::Value>,
        forced_over: &[String],
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("comptes créés"))?;
        let exists: Option<String> = tx
            .query_row("SELECT id FROM hand_account WHERE id = ?1", [&h.id], |r| r.get(0))
            .optional()
            .map_err(sql("comptes créés"))?;
        if exists.is_some() {
            return Err(StoreError::Refused {
                code: "ACCOUNT_EXISTS",
                message: format!("un compte « {} » existe déjà", h.id),
            });
        }
        tx.execute(
            "INSERT INTO hand_account (id, profile, civility, nom, prenom, email, phones, functions, groups, login,
                until, reason, created_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                h.id,
                h.profile.as_str(),
                h.civility,
                h.nom,
                h.prenom,
                h.email,
                text(&h.phones),
                text(&h.functions),
                text(&h.groups),
                h.login,
                h.until,
                h.reason,
                h.created_at,
                h.actor,
            ],
        )
        .map_err(sql("comptes créés"))?;
        outbox::queue(&tx, "User", &h.id, "create", body, "annuaire")?;
        if let Some(n) = nodes {
            outbox::queue(&tx, "User", &h.id, "patch", n, "annuaire")?;
        }
        for g in &h.groups {
            outbox::queue(&tx, "Group", g, "patch", &outbox::membership_patch(&h.id, true), "annuaire")?;
        }
        audit_log::append(
            &tx,
            actor,
            "ACCOUNT_CREATED",
            &serde_json::json!({
                "account": h.id, "name": format!("{} {}", h.prenom, h.nom), "profile": h.profile.as_str(),
                "login": h.login, "until": h.until, "forced_over": forced_over,
            }),
        )?;
        tx.commit().map_err(sql("comptes créés"))
    }

    /// Extends an account created in Préau (a new end date, or `None`:
    /// pérenne), or closes it (`close`), queued and journaled.
    pub fn set_hand_account_end(
        &mut self,
        id: &str,
        until: Option<&str>,
        close: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("comptes créés"))?;
        let name: Option<String> = tx
            .query_row("SELECT prenom || ' ' || nom FROM hand_account WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(sql("comptes créés"))?;
        let Some(name) = name else {
            return Err(StoreError::Refused {
                code: "ACCOUNT_NOT_HAND_MADE",
                message: format!("« {id} » n'est pas un compte créé dans Préau"),
            });
        };
        let (closed, patch) = if close {
            tx.execute("UPDATE hand_account SET closed_at = ?2 WHERE id = ?1", params![id, audit_log::now()])
                .map_err(sql("comptes créés"))?;
            // Closing deactivates the account; the ENT keeps it, as for a departure.
            let patch = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "active", "value": false }],
            });
            (true, patch)
        } else {
            tx.execute("UPDATE hand_account SET until = ?2, closed_at = NULL WHERE id = ?1", params![id, until])
                .map_err(sql("comptes créés"))?;
            (false, outbox::patch_attribute(&format!("{ENT_USER}:endDate"), until))
        };
        outbox::queue(&tx, "User", id, "patch", &patch, "annuaire")?;
        audit_log::append(
            &tx,
            actor,
            if closed { "ACCOUNT_CLOSED" } else { "ACCOUNT_EXTENDED" },
            &serde_json::json!({ "account": id, "name": name, "until": until }),
        )?;
        tx.commit().map_err(sql("comptes créés"))
    }

    /// Adds `function` to `person` (or takes it away), and queues the
    /// account's new functions and nodes, in one journaled transaction.
    pub fn change_function(
        &mut self,
        person: &str,
        name: &str,
        function: &Function,
        add: bool,
        patches: &[UserPatch<'_>],
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("fonctions"))?;
        tx.execute(
            "INSERT INTO function_change (person, code, discipline, label, added, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(person, code, discipline) DO UPDATE SET added = excluded.added, label = excluded.label,
             at = excluded.at",
            params![
                person,
                function.code,
                function.discipline.as_deref().unwrap_or(""),
                function.label,
                add,
                audit_log::now()
            ],
        )
        .map_err(sql("fonctions"))?;
        // A hand-made account carries its functions itself.
        let functions: Option<String> = tx
            .query_row("SELECT functions FROM hand_account WHERE id = ?1", [person], |r| r.get(0))
            .optional()
            .map_err(sql("comptes créés"))?;
        if let Some(stored) = functions {
            let mut list: Vec<Function> = json_list("hand_account", person, &stored)?;
            list.retain(|f| !same_function(f, function));
            if add {
                list.push(function.clone());
            }
            tx.execute("UPDATE hand_account SET functions = ?2 WHERE id = ?1", params![person, text(&list)])
                .map_err(sql("comptes créés"))?;
            tx.execute("DELETE FROM function_change WHERE person = ?1", [person]).map_err(sql("fonctions"))?;
        }
        for p in patches {
            outbox::queue(&tx, "User", p.account, "patch", &p.body, "annuaire")?;
        }
        let code = match &function.discipline {
            Some(d) => format!("{} {d}", function.code),
            None => function.code.clone(),
        };
        audit_log::append(
            &tx,
            actor,
            if add { "FUNCTION_ADDED" } else { "FUNCTION_REMOVED" },
            &serde_json::json!({ "person": person, "name": name, "function": code, "label": function.label }),
        )?;
        tx.commit().map_err(sql("fonctions"))
    }

    /// Links (or unlinks) an AESH or tutor to pupils, queued on the
    /// follower's account (`follows`), journaled.
    pub fn set_follows(
        &mut self,
        follower: &str,
        follower_account: Option<&str>,
        pupils: &[(String, Option<String>)],
        add: bool,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction().map_err(sql("suivis"))?;
        let mut changed = Vec::new();
        for (pupil, _) in pupils {
            let n = if add {
                tx.execute(
                    "INSERT OR IGNORE INTO follow_link (follower, pupil, at) VALUES (?1, ?2, ?3)",
                    params![follower, pupil, audit_log::now()],
                )
            } else {
                tx.execute("DELETE FROM follow_link WHERE follower = ?1 AND pupil = ?2", params![follower, pupil])
            }
            .map_err(sql("suivis"))?;
            if n > 0 {
                changed.push(pupil.clone());
            }
        }
        let accounts: Vec<&str> =
            pupils.iter().filter(|(p, _)| changed.contains(p)).filter_map(|(_, a)| a.as_deref()).collect();
        if let (Some(account), false) = (follower_account, accounts.is_empty()) {
            let op = if add { "add" } else { "remove" };
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": op, "path": format!("{ENT_USER}:follows"), "value": accounts }],
            });
            outbox::queue(&tx, "User", account, "patch", &body, "annuaire")?;
        }
        if !changed.is_empty() {
            audit_log::append(
                &tx,
                actor,
                if add { "FOLLOW_ADDED" } else { "FOLLOW_REMOVED" },
                &serde_json::json!({ "follower": follower, "pupils": changed }),
            )?;
        }
        tx.commit().map_err(sql("suivis"))?;
        Ok(changed.len())
    }
}

/// JSON text of a list, for the columns that hold one.
fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}
