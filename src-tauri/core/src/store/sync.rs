//! What the store keeps of the ENT server: its address per establishment,
//! the directory snapshot of the last pull (each resource with its ETag),
//! and the last synchronisation's outcome.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{audit_log, sql, Store, StoreError};

/// One resource as pulled from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    /// `User`, `Group` or `VisibilityRule`.
    pub resource: String,
    pub id: String,
    pub external_id: Option<String>,
    pub etag: Option<String>,
    /// The resource as the server sent it (JSON).
    pub body: String,
}

/// The last synchronisation, for `sync status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    pub at: String,
    /// `ok` or `error`.
    pub result: String,
    pub pulled: usize,
    pub pushed: usize,
}

fn meta(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    store
        .conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(sql("réglages"))
}

/// Keeps `last` as the last synchronisation (inside the caller's transaction when it has one).
fn write_last(conn: &rusqlite::Connection, last: &LastSync) -> Result<(), StoreError> {
    let text = serde_json::to_string(last).map_err(|e| StoreError::Data {
        table: "meta",
        row: "sync_last".into(),
        field: "value",
        value: e.to_string(),
    })?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('sync_last', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [text],
    )
    .map_err(sql("réglages"))?;
    Ok(())
}

impl Store {
    /// The ENT server's SCIM address for this establishment.
    pub fn sync_url(&self) -> Result<Option<String>, StoreError> {
        meta(self, "sync_url")
    }

    pub fn set_sync_url(&mut self, url: &str, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("réglages"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('sync_url', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [url],
        )
        .map_err(sql("réglages"))?;
        audit_log::append(&tx, actor, "SYNC_CONFIGURED", &serde_json::json!({ "url": url }))?;
        tx.commit().map_err(sql("réglages"))
    }

    /// Replaces the snapshot with what the server sent, records the pull.
    pub fn replace_snapshot(&mut self, rows: &[SnapshotRow], server: &str, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("annuaire du serveur"))?;
        tx.execute("DELETE FROM scim_resource", []).map_err(sql("annuaire du serveur"))?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO scim_resource (resource, id, external_id, etag, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql("annuaire du serveur"))?;
            for r in rows {
                st.execute(params![r.resource, r.id, r.external_id, r.etag, r.body])
                    .map_err(sql("annuaire du serveur"))?;
            }
        }
        write_last(&tx, &LastSync { at: audit_log::now(), result: "ok".into(), pulled: rows.len(), pushed: 0 })?;
        audit_log::append(
            &tx,
            actor,
            "SYNC_PULLED",
            &serde_json::json!({ "server": server, "resources": rows.len() }),
        )?;
        tx.commit().map_err(sql("annuaire du serveur"))
    }

    /// How many resources of each kind the snapshot holds.
    pub fn snapshot_count(&self, resource: &str) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM scim_resource WHERE resource = ?1", [resource], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(sql("annuaire du serveur"))
    }

    /// The snapshot's resources of one kind, by id.
    /// Whether the server held the resource of this `externalId` at the last pull.
    pub fn snapshot_holds(&self, resource: &str, external_id: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM scim_resource WHERE resource = ?1 AND external_id = ?2",
                [resource, external_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(sql("annuaire du serveur"))
    }

    pub fn snapshot(&self, resource: &str) -> Result<Vec<SnapshotRow>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT resource, id, external_id, etag, body FROM scim_resource WHERE resource = ?1 ORDER BY id")
            .map_err(sql("annuaire du serveur"))?;
        let rows = st
            .query_map([resource], |r| {
                Ok(SnapshotRow {
                    resource: r.get(0)?,
                    id: r.get(1)?,
                    external_id: r.get(2)?,
                    etag: r.get(3)?,
                    body: r.get(4)?,
                })
            })
            .map_err(sql("annuaire du serveur"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("annuaire du serveur"))
    }

    /// A resource deleted on the server leaves the snapshot.
    pub fn snapshot_forget(&mut self, resource: &str, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM scim_resource WHERE resource = ?1 AND id = ?2", params![resource, id])
            .map_err(sql("annuaire du serveur"))?;
        Ok(())
    }

    pub fn last_sync(&self) -> Result<Option<LastSync>, StoreError> {
        Ok(meta(self, "sync_last")?.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Records a push's outcome as the last synchronisation.
    pub fn record_push(&mut self, pushed: usize, ok: bool) -> Result<(), StoreError> {
        let result = if ok { "ok" } else { "error" }.into();
        write_last(&self.conn, &LastSync { at: audit_log::now(), result, pulled: 0, pushed })
    }
}
