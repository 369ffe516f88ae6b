//! The connector an establishment's changes travel by, and what the
//! administrator said of the items of a worklist (an ENT reached by hand).
//! An item done leaves the outbox with every change it carries, journaled.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::{audit_log, sql, Store, StoreError};

impl Store {
    /// The connector chosen for this establishment (`scim`, `skolengo`,
    /// `ent-ng`); `None` until one is chosen.
    pub fn sync_connector(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'sync_connector'", [], |r| r.get(0))
            .optional()
            .map_err(sql("réglages"))
    }

    /// Chooses the connector, journaled.
    pub fn set_sync_connector(&mut self, connector: &str, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("réglages"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('sync_connector', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [connector],
        )
        .map_err(sql("réglages"))?;
        audit_log::append(&tx, actor, "SYNC_CONNECTOR_SET", &serde_json::json!({ "connector": connector }))?;
        tx.commit().map_err(sql("réglages"))
    }

    /// The items the administrator marked « impossible », with their reason.
    pub fn worklist_marks(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, reason FROM worklist_mark WHERE status = 'impossible'")
            .map_err(sql("liste de travail"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql("liste de travail"))?;
        rows.collect::<Result<HashMap<_, _>, _>>().map_err(sql("liste de travail"))
    }

    /// Marks an item « impossible » with its reason (`Some`), or takes it up
    /// again (`None`); journaled.
    pub fn worklist_mark(
        &mut self,
        item: &str,
        reason: Option<&str>,
        detail: &serde_json::Value,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("liste de travail"))?;
        match reason {
            Some(reason) => {
                tx.execute(
                    "INSERT INTO worklist_mark (id, status, reason, updated_at) VALUES (?1, 'impossible', ?2, ?3)
                     ON CONFLICT(id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                         updated_at = excluded.updated_at",
                    params![item, reason, audit_log::now()],
                )
                .map_err(sql("liste de travail"))?;
                let mut detail = detail.clone();
                detail["reason"] = serde_json::json!(reason);
                audit_log::append(&tx, actor, "WORKLIST_IMPOSSIBLE", &detail)?;
            }
            None => {
                tx.execute("DELETE FROM worklist_mark WHERE id = ?1", [item]).map_err(sql("liste de travail"))?;
                audit_log::append(&tx, actor, "WORKLIST_RETRIED", detail)?;
            }
        }
        tx.commit().map_err(sql("liste de travail"))
    }

    /// The items done, as they were when ticked (JSON), oldest first.
    pub fn worklist_done_items(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT item FROM worklist_mark WHERE status = 'fait' AND item IS NOT NULL ORDER BY updated_at, id",
            )
            .map_err(sql("liste de travail"))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(sql("liste de travail"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("liste de travail"))
    }

    /// Forgets the items done (their changes left the outbox when they were ticked).
    pub fn worklist_clear_done(&mut self) -> Result<usize, StoreError> {
        self.conn.execute("DELETE FROM worklist_mark WHERE status = 'fait'", []).map_err(sql("liste de travail"))
    }

    /// The administrator did the item in the ENT's console: its changes leave
    /// the outbox, the item stays listed as done (`snapshot`), one journal
    /// entry says so, in one transaction.
    pub fn worklist_done(
        &mut self,
        item: &str,
        changes: &[i64],
        snapshot: &str,
        detail: &serde_json::Value,
        actor: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction().map_err(sql("liste de travail"))?;
        let mut gone = 0;
        for id in changes {
            gone += tx.execute("DELETE FROM outbox WHERE id = ?1", [id]).map_err(sql("file d'envoi"))?;
        }
        tx.execute(
            "INSERT INTO worklist_mark (id, status, reason, updated_at, item) VALUES (?1, 'fait', '', ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                 updated_at = excluded.updated_at, item = excluded.item",
            params![item, audit_log::now(), snapshot],
        )
        .map_err(sql("liste de travail"))?;
        let mut detail = detail.clone();
        detail["changes"] = serde_json::json!(gone);
        audit_log::append(&tx, actor, "WORKLIST_DONE", &detail)?;
        tx.commit().map_err(sql("liste de travail"))?;
        Ok(gone)
    }

    /// Group names by id: the groups made in Préau, the imported ones, then
    /// the server's as last pulled.
    pub fn group_names(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut out = HashMap::new();
        let mut st = self
            .conn
            .prepare("SELECT external_id, body FROM scim_resource WHERE resource = 'Group' AND external_id IS NOT NULL")
            .map_err(sql("annuaire du serveur"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql("annuaire du serveur"))?;
        for row in rows {
            let (id, body) = row.map_err(sql("annuaire du serveur"))?;
            let name = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|b| b["displayName"].as_str().map(str::to_string));
            if let Some(name) = name {
                out.insert(id, name);
            }
        }
        for table in ["grp", "managed_group"] {
            let mut st = self.conn.prepare(&format!("SELECT id, name FROM {table}")).map_err(sql("groupes"))?;
            let rows =
                st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql("groupes"))?;
            for row in rows {
                let (id, name) = row.map_err(sql("groupes"))?;
                out.insert(id, name);
            }
        }
        Ok(out)
    }

    /// The ENT establishments (UAI) each account belongs to, from the imported directory.
    pub fn account_establishments(&self) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut st = self.conn.prepare("SELECT id, establishments FROM account").map_err(sql("comptes"))?;
        let rows =
            st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql("comptes"))?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, list) = row.map_err(sql("comptes"))?;
            out.insert(id, serde_json::from_str(&list).unwrap_or_default());
        }
        Ok(out)
    }
}
