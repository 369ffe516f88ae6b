//! The exports written for Open ENT NG's console, and the administrator's word
//! that the ENT imported one: that confirms the outbox changes its files carry
//! (they leave the outbox, journaled) and makes its rows what the next delta
//! is measured against.

use rusqlite::{params, OptionalExtension};

use super::{audit_log, sql, Store, StoreError};

/// One export as kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntNgRecord {
    pub id: String,
    pub written_at: String,
    pub delta: bool,
    /// The folder the files were written to.
    pub folder: String,
    /// `[{file, profile, rows}]`.
    pub files: serde_json::Value,
    /// `{file: {externalId: fingerprint}}`: every row of the establishment at
    /// the time, written or not (a delta leaves out the unchanged ones).
    pub rows: serde_json::Value,
    /// The outbox changes the files carry.
    pub changes: Vec<i64>,
    pub imported_at: Option<String>,
}

fn refused(code: &'static str, message: String) -> StoreError {
    StoreError::Refused { code, message }
}

const CTX: &str = "exports Open ENT NG";

impl Store {
    /// Keeps an export just written, journaled. The same files written again
    /// (same id) replace the record, unless the ENT already imported them.
    pub fn ent_ng_record(&mut self, r: &EntNgRecord, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql(CTX))?;
        let text = |v: &serde_json::Value| v.to_string();
        tx.execute(
            "INSERT INTO ent_ng_export (id, written_at, delta, folder, files, rows, changes, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)
             ON CONFLICT(id) DO UPDATE SET written_at = excluded.written_at, folder = excluded.folder,
                 changes = excluded.changes
             WHERE ent_ng_export.imported_at IS NULL",
            params![
                r.id,
                r.written_at,
                r.delta,
                r.folder,
                text(&r.files),
                text(&r.rows),
                serde_json::json!(r.changes).to_string()
            ],
        )
        .map_err(sql(CTX))?;
        audit_log::append(
            &tx,
            actor,
            "ENT_NG_EXPORTED",
            &serde_json::json!({
                "export": r.id, "delta": r.delta, "folder": r.folder, "files": r.files, "changes": r.changes.len(),
            }),
        )?;
        tx.commit().map_err(sql(CTX))
    }

    /// The exports, newest first.
    pub fn ent_ng_exports(&self) -> Result<Vec<EntNgRecord>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, written_at, delta, folder, files, rows, changes, imported_at FROM ent_ng_export
                 ORDER BY written_at DESC, id",
            )
            .map_err(sql(CTX))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })
            .map_err(sql(CTX))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, written_at, delta, folder, files, rows, changes, imported_at) = row.map_err(sql(CTX))?;
            let bad = |field: &'static str, e: serde_json::Error| StoreError::Data {
                table: "ent_ng_export",
                row: id.clone(),
                field,
                value: e.to_string(),
            };
            out.push(EntNgRecord {
                files: serde_json::from_str(&files).map_err(|e| bad("files", e))?,
                rows: serde_json::from_str(&rows).map_err(|e| bad("rows", e))?,
                changes: serde_json::from_str(&changes).map_err(|e| bad("changes", e))?,
                id,
                written_at,
                delta,
                folder,
                imported_at,
            });
        }
        Ok(out)
    }

    /// The rows of the last export the ENT imported: what it holds now.
    pub fn ent_ng_baseline(&self) -> Result<Option<EntNgRecord>, StoreError> {
        let last: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM ent_ng_export WHERE imported_at IS NOT NULL ORDER BY imported_at DESC, written_at DESC
                 LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(CTX))?;
        Ok(last.and_then(|id| self.ent_ng_exports().ok()?.into_iter().find(|e| e.id == id)))
    }

    /// The ENT imported this export: the changes its files carry leave the
    /// outbox, one journal entry says so. Returns how many changes left.
    pub fn ent_ng_confirm(&mut self, id: &str, actor: &str) -> Result<usize, StoreError> {
        let Some(export) = self.ent_ng_exports()?.into_iter().find(|e| e.id == id) else {
            return Err(refused(
                "ENT_NG_UNKNOWN_EXPORT",
                format!("aucun export « {id} » écrit pour cet établissement"),
            ));
        };
        if let Some(when) = &export.imported_at {
            return Err(refused(
                "ENT_NG_ALREADY_IMPORTED",
                format!("l'export « {id} » est déjà noté importé dans l'ENT (le {})", &when[..10.min(when.len())]),
            ));
        }
        let tx = self.conn.transaction().map_err(sql(CTX))?;
        let mut gone = 0;
        for change in &export.changes {
            gone += tx.execute("DELETE FROM outbox WHERE id = ?1", [change]).map_err(sql("file d'envoi"))?;
        }
        tx.execute("UPDATE ent_ng_export SET imported_at = ?2 WHERE id = ?1", params![id, audit_log::now()])
            .map_err(sql(CTX))?;
        audit_log::append(
            &tx,
            actor,
            "ENT_NG_IMPORTED",
            &serde_json::json!({ "export": id, "delta": export.delta, "files": export.files, "changes": gone }),
        )?;
        tx.commit().map_err(sql(CTX))?;
        Ok(gone)
    }
}
