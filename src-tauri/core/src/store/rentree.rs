//! The rentrée in the store: what the administrator set on each step (status,
//! note), the ENT settings they report (embargo dates, Pronote version, end
//! of year), and the year the checklist is about.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};

use super::{audit_log, sql, Store, StoreError};
use crate::rentree::{Settings, Status, StepState, Transition};

fn meta_get(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    store
        .conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(sql("réglages"))
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::AFaire => "a_faire",
        Status::EnCours => "en_cours",
        Status::Fait => "fait",
        Status::Bloque => "bloque",
        Status::SansObjet => "sans_objet",
    }
}

impl Store {
    /// The day the establishment was created here (its journal's first
    /// entry), in local time.
    pub fn created_on(&self) -> Result<Option<chrono::NaiveDate>, StoreError> {
        let at: Option<String> = self
            .conn
            .query_row("SELECT at FROM audit ORDER BY seq LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(sql("journal"))?;
        Ok(at
            .and_then(|a| chrono::DateTime::parse_from_rfc3339(&a).ok())
            .map(|d| d.with_timezone(&chrono::Local).date_naive()))
    }

    /// The school year the checklist is about, once a transition moved it on.
    pub fn rentree_year(&self) -> Result<Option<i32>, StoreError> {
        Ok(meta_get(self, "rentree_year")?.and_then(|v| v.parse().ok()))
    }

    pub fn rentree_settings(&self) -> Result<Settings, StoreError> {
        match meta_get(self, "rentree_settings")? {
            None => Ok(Settings::default()),
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Data {
                table: "meta",
                row: "rentree_settings".into(),
                field: "value",
                value: e.to_string(),
            }),
        }
    }

    pub fn set_rentree_settings(&mut self, settings: &Settings, actor: &str) -> Result<(), StoreError> {
        let text = serde_json::to_string(settings)
            .map_err(|e| StoreError::Refused { code: "RENTREE_SETTINGS", message: e.to_string() })?;
        let tx = self.conn.transaction().map_err(sql("réglages"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('rentree_settings', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [text],
        )
        .map_err(sql("réglages"))?;
        audit_log::append(&tx, actor, "RENTREE_SETTINGS", &serde_json::json!(settings))?;
        tx.commit().map_err(sql("réglages"))
    }

    pub fn rentree_states(&self) -> Result<BTreeMap<String, StepState>, StoreError> {
        let mut st = self.conn.prepare("SELECT code, status, note FROM rentree_step").map_err(sql("rentrée"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?)))
            .map_err(sql("rentrée"))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (code, status, note) = row.map_err(sql("rentrée"))?;
            out.insert(code, StepState { status: status.as_deref().and_then(Status::parse), note });
        }
        Ok(out)
    }

    /// Sets a step's status by hand (`None`: derived from its checks again) and its note. Audited.
    pub fn set_rentree_step(
        &mut self,
        code: &str,
        status: Option<Status>,
        note: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("rentrée"))?;
        tx.execute(
            "INSERT INTO rentree_step (code, status, note, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(code) DO UPDATE SET status = excluded.status, note = excluded.note, updated_at = excluded.updated_at",
            params![code, status.map(status_code), note, audit_log::now()],
        )
        .map_err(sql("rentrée"))?;
        audit_log::append(
            &tx,
            actor,
            "RENTREE_STEP",
            &serde_json::json!({
                "step": code, "title": crate::rentree::step_title(code), "status": status, "note": note
            }),
        )?;
        tx.commit().map_err(sql("rentrée"))
    }

    /// What moving to the next school year will change, for the confirmation screen.
    pub fn transition_preview(&self) -> Result<Transition, StoreError> {
        let from = crate::rentree::facts(self)?.school_year;
        let data = self.load_population()?;
        let (classes, pupils_in_classes, leaving) = match &data {
            Some(d) => {
                let last = d.levels.iter().max_by_key(|l| l.rank).map(|l| l.code.clone());
                let level_of: BTreeMap<&str, &str> =
                    d.divisions.iter().map(|x| (x.code.as_str(), x.level.as_str())).collect();
                let pupils: Vec<&crate::model::Person> =
                    d.people.iter().filter(|p| p.profile == crate::model::Profile::Eleve).collect();
                let in_class = pupils.iter().filter(|p| !p.left && !p.divisions.is_empty()).count();
                let leaving = pupils
                    .iter()
                    .filter(|p| {
                        p.left || p.divisions.iter().any(|c| level_of.get(c.as_str()).map(|l| l.to_string()) == last)
                    })
                    .count();
                (d.divisions.len(), in_class, leaving)
            }
            None => (0, 0, 0),
        };
        let links_kept: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM account_link", [], |r| r.get(0))
            .map_err(sql("rapprochements"))?;
        Ok(Transition {
            from_year: from,
            to_year: from + 1,
            classes,
            pupils_in_classes,
            leaving,
            rule_groups: self.managed_groups()?.iter().filter(|g| g.rule.is_some() && !g.lock_recompose).count(),
            links_kept: links_kept as usize,
            steps_reset: self.rentree_states()?.len(),
            hand_accounts: self
                .hand_accounts()?
                .into_iter()
                .filter(|h| h.closed_at.is_none())
                .map(|h| crate::rentree::HandReview {
                    name: format!("{} {}", h.prenom, h.nom.to_uppercase()),
                    id: h.id,
                    profile: h.profile,
                    until: h.until,
                })
                .collect(),
        })
    }

    /// Moves the checklist to the next school year: the steps' statuses and
    /// notes start over, the links and groups stay; the new year's imports
    /// then replace classes. Audited with what the preview said.
    pub fn year_transition(&mut self, actor: &str) -> Result<Transition, StoreError> {
        let preview = self.transition_preview()?;
        let tx = self.conn.transaction().map_err(sql("rentrée"))?;
        tx.execute("DELETE FROM rentree_step", []).map_err(sql("rentrée"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('rentree_year', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [preview.to_year.to_string()],
        )
        .map_err(sql("réglages"))?;
        audit_log::append(&tx, actor, "YEAR_TRANSITION", &serde_json::json!(preview))?;
        tx.commit().map_err(sql("rentrée"))?;
        Ok(preview)
    }
}
