//! The audit table: appends chained entries and checks the chain.

use rusqlite::{params, Connection, OptionalExtension};

use super::{sql, Store, StoreError};
use crate::audit::{self, AuditEntry, AuditHead, AuditVerdict};

const HEAD_SEQ: &str = "audit_head_seq";
const HEAD_HASH: &str = "audit_head_hash";

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn head(conn: &Connection) -> Result<Option<AuditHead>, StoreError> {
    let get = |key: &str| -> Result<Option<String>, StoreError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(sql("tête du journal"))
    };
    match (get(HEAD_SEQ)?, get(HEAD_HASH)?) {
        (Some(seq), Some(hash)) => {
            let seq = seq.parse().map_err(|_| StoreError::Data {
                table: "meta",
                row: HEAD_SEQ.into(),
                field: "value",
                value: seq.clone(),
            })?;
            Ok(Some(AuditHead { seq, hash }))
        }
        _ => Ok(None),
    }
}

/// Appends one entry inside the caller's transaction (or connection), so the
/// change and its record commit together.
pub(crate) fn append(
    conn: &Connection,
    actor: &str,
    action: &str,
    detail: &serde_json::Value,
) -> Result<AuditEntry, StoreError> {
    let prev = head(conn)?;
    let entry = audit::next_entry(prev.as_ref(), now(), actor, action, detail.to_string());
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![entry.seq, entry.at, entry.actor, entry.action, entry.detail, entry.prev_hash, entry.hash],
    )
    .map_err(sql("journal"))?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2), (?3, ?4)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![HEAD_SEQ, entry.seq.to_string(), HEAD_HASH, entry.hash],
    )
    .map_err(sql("journal"))?;
    Ok(entry)
}

fn read_entries(conn: &Connection, limit: Option<usize>) -> Result<Vec<AuditEntry>, StoreError> {
    let (query, limit) = match limit {
        Some(n) => {
            ("SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT ?1", n as i64)
        }
        None => ("SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit WHERE ?1 ORDER BY seq", 1),
    };
    let mut stmt = conn.prepare(query).map_err(sql("journal"))?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
                prev_hash: r.get(5)?,
                hash: r.get(6)?,
            })
        })
        .map_err(sql("journal"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql("journal"))
}

impl Store {
    /// Records an action on its own (actions that change data record theirs
    /// inside their own transaction).
    pub fn append_audit(
        &mut self,
        actor: &str,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<AuditEntry, StoreError> {
        let tx = self.conn.transaction().map_err(sql("journal"))?;
        let entry = append(&tx, actor, action, detail)?;
        tx.commit().map_err(sql("journal"))?;
        Ok(entry)
    }

    /// The most recent entries first.
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        read_entries(&self.conn, Some(limit))
    }

    pub fn audit_verify(&self) -> Result<AuditVerdict, StoreError> {
        let entries = read_entries(&self.conn, None)?;
        Ok(audit::verify(&entries, head(&self.conn)?.as_ref()))
    }
}
