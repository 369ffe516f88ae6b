//! Import batches in the store: one transaction per import operation (one or
//! several files), the batch rows with their rejects and the files themselves, the
//! findings, the column presets. A failed or cancelled operation is rolled
//! back: the store is exactly as before.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{audit_log, population, sql, Store, StoreError};
use crate::formats::Reject;
use crate::model::EstablishmentData;

/// A batch as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub id: i64,
    pub operation: i64,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub zip_entry: Option<String>,
    pub encoding: String,
    pub imported_at: String,
    pub actor: String,
    pub file_uai: Option<String>,
    pub school_year: Option<i32>,
    pub exported_at: Option<String>,
    pub software: Option<String>,
    pub version: Option<String>,
    pub bytes: u64,
    pub read: u64,
    pub rejected: u64,
    /// The column mapping (JSON) a CSV table was read with, if any.
    pub preset: Option<String>,
}

/// A data-quality finding kind with its items (as stored after the last import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub count: u64,
    pub items: Vec<serde_json::Value>,
}

/// A saved column mapping for a CSV table whose headers were not recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnPresetRow {
    pub name: String,
    pub format: String,
    /// JSON of the mapping, as the CSV module serialises it.
    pub columns: String,
    pub saved_at: String,
}

fn batch_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchSummary> {
    Ok(BatchSummary {
        id: r.get(0)?,
        operation: r.get(1)?,
        file_name: r.get(2)?,
        sha256: r.get(3)?,
        format: r.get(4)?,
        zip_entry: r.get(5)?,
        encoding: r.get(6)?,
        imported_at: r.get(7)?,
        actor: r.get(8)?,
        file_uai: r.get(9)?,
        school_year: r.get(10)?,
        exported_at: r.get(11)?,
        software: r.get(12)?,
        version: r.get(13)?,
        bytes: r.get::<_, i64>(14)?.max(0) as u64,
        read: r.get::<_, i64>(15)?.max(0) as u64,
        rejected: r.get::<_, i64>(16)?.max(0) as u64,
        preset: r.get(17)?,
    })
}

const BATCH_COLUMNS: &str = "id, operation, file_name, sha256, format, zip_entry, encoding, imported_at, actor, \
     file_uai, school_year, exported_at, software, version, bytes, read, rejected, preset";

/// The work of one import operation, inside its transaction.
pub struct ImportTx<'s> {
    tx: Transaction<'s>,
    operation: i64,
}

impl Store {
    pub fn begin_import(&mut self) -> Result<ImportTx<'_>, StoreError> {
        let tx = self.conn.transaction().map_err(sql("import"))?;
        let operation: i64 = tx
            .query_row("SELECT COALESCE(MAX(operation), 0) + 1 FROM import_batch", [], |r| r.get(0))
            .map_err(sql("import"))?;
        Ok(ImportTx { tx, operation })
    }

    /// The batch that already holds a file with this hash, if any.
    pub fn batch_by_hash(&self, sha256: &str) -> Result<Option<BatchSummary>, StoreError> {
        self.conn
            .query_row(&format!("SELECT {BATCH_COLUMNS} FROM import_batch WHERE sha256 = ?1"), [sha256], batch_from_row)
            .optional()
            .map_err(sql("historique des imports"))
    }

    /// Every batch, the most recent first.
    pub fn batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {BATCH_COLUMNS} FROM import_batch ORDER BY id DESC"))
            .map_err(sql("historique des imports"))?;
        let rows = st.query_map([], batch_from_row).map_err(sql("historique des imports"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("historique des imports"))
    }

    pub fn batch_rejects(&self, batch_id: i64) -> Result<Vec<Reject>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT location, field, value, reason FROM import_reject WHERE batch_id = ?1 ORDER BY seq")
            .map_err(sql("rejets"))?;
        let rows = st
            .query_map([batch_id], |r| {
                Ok(Reject { location: r.get(0)?, field: r.get(1)?, value: r.get(2)?, reason: r.get(3)? })
            })
            .map_err(sql("rejets"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("rejets"))
    }

    pub fn batch(&self, id: i64) -> Result<Option<BatchSummary>, StoreError> {
        batch(&self.conn, id)
    }

    /// The file a batch keeps, as it was imported (`None` for a batch from
    /// before files were kept).
    pub fn batch_file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        batch_file(&self.conn, id)
    }

    /// The latest batch of each format, by format name.
    pub fn latest_batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {BATCH_COLUMNS} FROM import_batch b WHERE id = (SELECT MAX(id) FROM import_batch WHERE format = b.format) ORDER BY format"
            ))
            .map_err(sql("historique des imports"))?;
        let rows = st.query_map([], batch_from_row).map_err(sql("historique des imports"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("historique des imports"))
    }

    pub fn findings(&self) -> Result<Vec<Finding>, StoreError> {
        read_findings(&self.conn)
    }

    /// Finding counts per import operation, oldest first: (operation, code, count).
    pub fn finding_history(&self) -> Result<Vec<(i64, String, u64)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT operation, code, count FROM finding_count ORDER BY operation, code")
            .map_err(sql("constats"))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64)))
            .map_err(sql("constats"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("constats"))
    }

    pub fn save_column_preset(
        &mut self,
        name: &str,
        format: &str,
        columns: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("préréglages"))?;
        tx.execute(
            "INSERT INTO column_preset (name, format, columns, saved_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET format = excluded.format, columns = excluded.columns, saved_at = excluded.saved_at",
            params![name, format, columns, audit_log::now()],
        )
        .map_err(sql("préréglages"))?;
        audit_log::append(&tx, actor, "COLUMN_PRESET_SAVED", &serde_json::json!({ "name": name, "format": format }))?;
        tx.commit().map_err(sql("préréglages"))
    }

    pub fn column_presets(&self) -> Result<Vec<ColumnPresetRow>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name, format, columns, saved_at FROM column_preset ORDER BY name")
            .map_err(sql("préréglages"))?;
        let rows = st
            .query_map([], |r| {
                Ok(ColumnPresetRow { name: r.get(0)?, format: r.get(1)?, columns: r.get(2)?, saved_at: r.get(3)? })
            })
            .map_err(sql("préréglages"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("préréglages"))
    }
}

fn batch(conn: &rusqlite::Connection, id: i64) -> Result<Option<BatchSummary>, StoreError> {
    conn.query_row(&format!("SELECT {BATCH_COLUMNS} FROM import_batch WHERE id = ?1"), [id], batch_from_row)
        .optional()
        .map_err(sql("historique des imports"))
}

fn batch_file(conn: &rusqlite::Connection, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let mut st = conn
        .prepare("SELECT chunk, data FROM import_file WHERE batch_id = ?1 ORDER BY chunk")
        .map_err(sql("fichiers importés"))?;
    let mut rows = st.query([id]).map_err(sql("fichiers importés"))?;
    let mut out: Option<Vec<u8>> = None;
    while let Some(row) = rows.next().map_err(sql("fichiers importés"))? {
        let (n, packed): (i64, Vec<u8>) =
            (row.get(0).map_err(sql("fichiers importés"))?, row.get(1).map_err(sql("fichiers importés"))?);
        let chunk = lz4_flex::block::decompress_size_prepended(&packed).map_err(|e| StoreError::Data {
            table: "import_file",
            row: format!("lot {id}, morceau {n}"),
            field: "data",
            value: e.to_string(),
        })?;
        match &mut out {
            Some(all) => all.extend_from_slice(&chunk),
            None => out = Some(chunk),
        }
    }
    Ok(out)
}

fn read_findings(conn: &rusqlite::Connection) -> Result<Vec<Finding>, StoreError> {
    let mut st = conn.prepare("SELECT code, item FROM finding ORDER BY code, seq").map_err(sql("constats"))?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql("constats"))?;
    let mut out: Vec<Finding> = Vec::new();
    for row in rows {
        let (code, item) = row.map_err(sql("constats"))?;
        let item = serde_json::from_str(&item).unwrap_or(serde_json::Value::String(item));
        match out.last_mut() {
            Some(f) if f.code == code => {
                f.count += 1;
                f.items.push(item);
            }
            _ => out.push(Finding { code, count: 1, items: vec![item] }),
        }
    }
    Ok(out)
}

/// Facts about a batch to record before its records.
#[derive(Debug, Clone, Default)]
pub struct NewBatch {
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub zip_entry: Option<String>,
    pub encoding: String,
    pub actor: String,
    pub file_uai: Option<String>,
    pub school_year: Option<i32>,
    pub exported_at: Option<String>,
    pub software: Option<String>,
    pub version: Option<String>,
    pub bytes: u64,
    /// The column mapping (JSON) a CSV table is read with, if any.
    pub preset: Option<String>,
}

impl ImportTx<'_> {
    pub fn operation(&self) -> i64 {
        self.operation
    }

    pub fn add_batch(&mut self, b: &NewBatch) -> Result<i64, StoreError> {
        self.tx
            .execute(
                "INSERT INTO import_batch (operation, file_name, sha256, format, zip_entry, encoding, imported_at, actor,
                 file_uai, school_year, exported_at, software, version, bytes, read, rejected, preset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, 0, ?15)",
                params![
                    self.operation,
                    b.file_name,
                    b.sha256,
                    b.format,
                    b.zip_entry,
                    b.encoding,
                    audit_log::now(),
                    b.actor,
                    b.file_uai,
                    b.school_year,
                    b.exported_at,
                    b.software,
                    b.version,
                    b.bytes as i64,
                    b.preset
                ],
            )
            .map_err(sql("lot d'import"))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Updates the header facts once the file has told them.
    pub fn set_batch_header(&mut self, batch: i64, b: &NewBatch) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE import_batch SET file_uai = ?2, school_year = ?3, exported_at = ?4, software = ?5, version = ?6 WHERE id = ?1",
                params![batch, b.file_uai, b.school_year, b.exported_at, b.software, b.version],
            )
            .map_err(sql("lot d'import"))?;
        Ok(())
    }

    /// Keeps one chunk of the batch's file (chunks are numbered from 0),
    /// compressed as an LZ4 block with its size first.
    pub fn add_file_chunk(&mut self, batch: i64, chunk: u64, data: &[u8]) -> Result<(), StoreError> {
        let mut st = self
            .tx
            .prepare_cached("INSERT INTO import_file (batch_id, chunk, data) VALUES (?1, ?2, ?3)")
            .map_err(sql("fichiers importés"))?;
        st.execute(params![batch, chunk as i64, data]).map_err(sql("fichiers importés"))?;
        Ok(())
    }

    pub fn add_reject(&mut self, batch: i64, seq: u64, r: &Reject) -> Result<(), StoreError> {
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT INTO import_reject (batch_id, seq, location, field, value, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(sql("rejets"))?;
        st.execute(params![batch, seq as i64, r.location, r.field, r.value, r.reason]).map_err(sql("rejets"))?;
        Ok(())
    }

    pub fn finish_batch(&mut self, batch: i64, read: u64, rejected: u64) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE import_batch SET read = ?2, rejected = ?3 WHERE id = ?1",
                params![batch, read as i64, rejected as i64],
            )
            .map_err(sql("lot d'import"))?;
        Ok(())
    }

    /// Records of a batch (this operation's included), with their sequence numbers and locations.
    pub fn records(&self, batch: i64) -> Result<Vec<(u64, String, String, serde_json::Value)>, StoreError> {
        let mut st = self
            .tx
            .prepare("SELECT seq, kind, location, data FROM import_record WHERE batch_id = ?1 ORDER BY seq")
            .map_err(sql("données importées"))?;
        let rows = st
            .query_map([batch], |r| {
                Ok((
                    r.get::<_, i64>(0)?.max(0) as u64,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(sql("données importées"))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, kind, location, data) = row.map_err(sql("données importées"))?;
            let value = serde_json::from_str(&data).map_err(|_| StoreError::Data {
                table: "import_record",
                row: format!("lot {batch}, n° {seq}"),
                field: "data",
                value: data.chars().take(80).collect(),
            })?;
            out.push((seq, kind, location, value));
        }
        Ok(out)
    }

    /// The latest batch id of a format (this operation's included).
    pub fn latest_batch(&self, format: &str) -> Result<Option<i64>, StoreError> {
        self.tx
            .query_row("SELECT MAX(id) FROM import_batch WHERE format = ?1", [format], |r| r.get(0))
            .map_err(sql("historique des imports"))
    }

    pub fn batch(&self, id: i64) -> Result<Option<BatchSummary>, StoreError> {
        batch(&self.tx, id)
    }

    pub fn batch_file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        batch_file(&self.tx, id)
    }

    pub fn establishment(&self) -> Result<Option<crate::model::Establishment>, StoreError> {
        population::read_establishment(&self.tx)
    }

    pub fn population(&self) -> Result<Option<EstablishmentData>, StoreError> {
        population::load(&self.tx)
    }

    pub fn replace_population(&mut self, data: &EstablishmentData) -> Result<(), StoreError> {
        population::write_population(&self.tx, data)
    }

    /// Replaces the current findings and records their counts for this operation.
    pub fn replace_findings(&mut self, findings: &[Finding]) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM finding", []).map_err(sql("constats"))?;
        let mut st =
            self.tx.prepare("INSERT INTO finding (code, seq, item) VALUES (?1, ?2, ?3)").map_err(sql("constats"))?;
        let mut count = self
            .tx
            .prepare("INSERT OR REPLACE INTO finding_count (operation, code, count) VALUES (?1, ?2, ?3)")
            .map_err(sql("constats"))?;
        for f in findings {
            for (i, item) in f.items.iter().enumerate() {
                st.execute(params![f.code, i as i64, item.to_string()]).map_err(sql("constats"))?;
            }
            count.execute(params![self.operation, f.code, f.count as i64]).map_err(sql("constats"))?;
        }
        Ok(())
    }

    /// Commits the whole operation with its audit entry.
    pub fn commit(self, actor: &str, detail: &serde_json::Value) -> Result<(), StoreError> {
        audit_log::append(&self.tx, actor, "IMPORT", detail)?;
        self.tx.commit().map_err(sql("validation de l'import"))
    }
}
