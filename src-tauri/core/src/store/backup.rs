//! Backup and restore: an establishment's whole store as one file, encrypted
//! with a passphrase chosen when it is written (SQLCipher's own key
//! derivation), independent of the keychain, so that another PC can bring it
//! back. Written aside then renamed; restored aside, checked, then put in
//! place, the replaced store kept beside it: nothing is half-written or lost.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use super::{audit_log, schema, sql, store_path, Store, StoreError};
use crate::model::Uai;
use crate::secrets::DbKey;

/// The backup files' extension.
pub const BACKUP_EXTENSION: &str = "preau-sauvegarde";
/// The shortest passphrase accepted for a backup.
pub const MIN_PASSPHRASE: usize = 8;
/// A reminder is due when the last backup is older than this and work happened since.
pub const REMIND_AFTER_DAYS: i64 = 30;

/// What a backup holds, read without restoring it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub uai: String,
    /// The establishment's name, when its population was imported.
    pub name: Option<String>,
    /// When the backup was written.
    pub written_at: Option<String>,
    pub pupils: u64,
    pub responsables: u64,
    pub teachers: u64,
    pub staff: u64,
    pub groups: u64,
    /// Entries of the journal.
    pub journal: u64,
    /// Changes waiting to reach the ENT.
    pub pending: u64,
}

/// What restoring would do: the backup, and the store it would replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestorePreview {
    pub backup: BackupInfo,
    pub existing: Option<BackupInfo>,
}

/// A restore done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    pub info: BackupInfo,
    pub path: String,
    /// Where the replaced store was kept, when one was.
    pub replaced_kept: Option<String>,
}

fn refused(code: &'static str, message: String) -> StoreError {
    StoreError::Refused { code, message }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

fn check_passphrase(passphrase: &str) -> Result<(), StoreError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(refused(
            "BACKUP_WEAK_PASSPHRASE",
            format!("la phrase de passe de la sauvegarde doit compter au moins {MIN_PASSPHRASE} caractères"),
        ));
    }
    Ok(())
}

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// What a store's tables say of it (`prefix`: `main.` or an attached schema).
fn info_of(conn: &Connection, prefix: &str, uai: &str) -> Result<BackupInfo, StoreError> {
    let ctx = "sauvegarde";
    let count = |q: String| -> Result<u64, StoreError> { conn.query_row(&q, [], |r| r.get(0)).map_err(sql(ctx)) };
    let people = |profile: &str| {
        count(format!("SELECT count(*) FROM {prefix}person WHERE profile = '{profile}' AND NOT has_left"))
    };
    let name: Option<String> = conn
        .query_row(&format!("SELECT name FROM {prefix}establishment LIMIT 1"), [], |r| r.get(0))
        .optional()
        .map_err(sql(ctx))?;
    let written_at: Option<String> = conn
        .query_row(&format!("SELECT value FROM {prefix}meta WHERE key = 'backup_at'"), [], |r| r.get(0))
        .optional()
        .map_err(sql(ctx))?;
    Ok(BackupInfo {
        uai: uai.to_string(),
        name,
        written_at,
        pupils: people("eleve")?,
        responsables: people("responsable")?,
        teachers: people("enseignant")?,
        staff: count(format!(
            "SELECT count(*) FROM {prefix}person WHERE profile NOT IN ('eleve', 'responsable', 'enseignant') \
             AND NOT has_left"
        ))?,
        groups: count(format!("SELECT count(*) FROM {prefix}grp"))?
            + count(format!("SELECT count(*) FROM {prefix}managed_group"))?,
        journal: count(format!("SELECT count(*) FROM {prefix}audit"))?,
        pending: count(format!("SELECT count(*) FROM {prefix}outbox"))?,
    })
}

impl Store {
    /// What this store holds, in the terms a backup's preview uses.
    pub fn backup_info(&self) -> Result<BackupInfo, StoreError> {
        info_of(&self.conn, "main.", self.uai.as_str())
    }

    /// Writes the whole store to `out`, encrypted with `passphrase`; the
    /// backup is journaled here and its date kept for the reminder.
    pub fn backup(&mut self, out: &Path, passphrase: &str, actor: &str) -> Result<BackupInfo, StoreError> {
        check_passphrase(passphrase)?;
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let part = beside(out, ".part");
        let _ = std::fs::remove_file(&part);
        let at = audit_log::now();
        // The connection may not create files: the new database starts as an empty one.
        std::fs::File::create(&part).map_err(io(&part))?;
        let written = (|| -> Result<(), StoreError> {
            let target = part.to_string_lossy().into_owned();
            self.conn
                .execute("ATTACH DATABASE ?1 AS sauvegarde KEY ?2", rusqlite::params![target, passphrase])
                .map_err(sql("sauvegarde"))?;
            let exported = (|| {
                self.conn
                    .query_row("SELECT sqlcipher_export('sauvegarde')", [], |_| Ok(()))
                    .map_err(sql("sauvegarde"))?;
                let version = self.schema_version()?;
                self.conn
                    .execute_batch(&format!("PRAGMA sauvegarde.user_version = {version};"))
                    .map_err(sql("sauvegarde"))?;
                self.conn
                    .execute(
                        "INSERT OR REPLACE INTO sauvegarde.meta (key, value) VALUES ('backup_uai', ?1), ('backup_at', ?2)",
                        rusqlite::params![self.uai.as_str(), at],
                    )
                    .map_err(sql("sauvegarde"))?;
                Ok(())
            })();
            let detached = self.conn.execute_batch("DETACH DATABASE sauvegarde;").map_err(sql("sauvegarde"));
            exported.and(detached)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
        // Read back with the passphrase before it takes the name.
        let info = match read(&part, passphrase) {
            Ok((_, info)) => info,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        std::fs::rename(&part, out).map_err(io(out))?;
        let tx = self.conn.transaction().map_err(sql("sauvegarde"))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_backup_at', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [&at],
        )
        .map_err(sql("sauvegarde"))?;
        audit_log::append(
            &tx,
            actor,
            "BACKUP_WRITTEN",
            &serde_json::json!({ "file": out.display().to_string(), "journal": info.journal }),
        )?;
        tx.commit().map_err(sql("sauvegarde"))?;
        Ok(info)
    }

    /// When the last backup was written, if ever.
    pub fn last_backup(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'last_backup_at'", [], |r| r.get(0))
            .optional()
            .map_err(sql("sauvegarde"))
    }

    /// Whether a backup is due: none in the last [`REMIND_AFTER_DAYS`] days
    /// while work was journaled since the last one (or since the store's
    /// first entry, more than that long ago, when there was none).
    pub fn backup_due(&self, now: chrono::DateTime<chrono::Utc>) -> Result<bool, StoreError> {
        let limit = now - chrono::Duration::days(REMIND_AFTER_DAYS);
        let since = |at: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(
                    "SELECT count(*) FROM audit WHERE at > ?1 AND action NOT IN ('BACKUP_WRITTEN', 'STORE_RESTORED')",
                    [at],
                    |r| r.get(0),
                )
                .map_err(sql("sauvegarde"))
        };
        let parse = |at: &str| chrono::DateTime::parse_from_rfc3339(at).ok().map(|d| d.with_timezone(&chrono::Utc));
        match self.last_backup()? {
            Some(last) => Ok(parse(&last).is_some_and(|d| d < limit) && since(&last)? > 0),
            None => {
                let first: Option<String> =
                    self.conn.query_row("SELECT min(at) FROM audit", [], |r| r.get(0)).map_err(sql("sauvegarde"))?;
                Ok(first.as_deref().and_then(parse).is_some_and(|d| d < limit))
            }
        }
    }
}

/// Opens a backup with its passphrase and checks it whole: a wrong
/// passphrase, a damaged or truncated file, a newer schema are refused.
fn read(file: &Path, passphrase: &str) -> Result<(Connection, BackupInfo), StoreError> {
    if !file.is_file() {
        return Err(refused("BACKUP_NOT_FOUND", format!("aucune sauvegarde à {}", file.display())));
    }
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sql("sauvegarde"))?;
    conn.pragma_update(None, "key", passphrase).map_err(sql("sauvegarde"))?;
    let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
    let unreadable = || {
        refused(
            "BACKUP_UNREADABLE",
            format!(
                "{} ne s'ouvre pas avec cette phrase de passe : phrase de passe incorrecte, ou fichier qui n'est pas \
                 une sauvegarde de Préau",
                file.display()
            ),
        )
    };
    if conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err() {
        return Err(unreadable());
    }
    let damaged = |detail: String| {
        refused(
            "BACKUP_DAMAGED",
            format!("la sauvegarde {} est endommagée ({detail}) : rien n'a été restauré", file.display()),
        )
    };
    // Every page's authentication code, then SQLite's own structure.
    let mut st = conn.prepare("PRAGMA cipher_integrity_check").map_err(sql("sauvegarde"))?;
    let problems: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| damaged(e.to_string()))?
        .filter_map(Result::ok)
        .collect();
    drop(st);
    if let Some(first) = problems.first() {
        return Err(damaged(first.clone()));
    }
    let check: String =
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| damaged(e.to_string()))?;
    if check != "ok" {
        return Err(damaged(check));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| damaged(e.to_string()))?;
    if version > schema::LATEST {
        return Err(StoreError::NewerVersion { path: file.to_path_buf(), found: version, supported: schema::LATEST });
    }
    let uai: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'backup_uai'", [], |r| r.get(0))
        .optional()
        .map_err(|e| damaged(e.to_string()))?;
    let Some(uai) = uai.and_then(|u| Uai::parse(&u).ok()) else {
        return Err(unreadable());
    };
    let info = info_of(&conn, "main.", uai.as_str()).map_err(|e| damaged(e.to_string()))?;
    Ok((conn, info))
}

/// What restoring `file` into `data_dir` would bring, and replace.
pub fn restore_preview(
    data_dir: &Path,
    file: &Path,
    passphrase: &str,
    key: &DbKey,
) -> Result<RestorePreview, StoreError> {
    let (_, backup) = read(file, passphrase)?;
    let uai = Uai::parse(&backup.uai).map_err(|_| refused("BACKUP_UNREADABLE", "UAI illisible".into()))?;
    let existing =
        if store_path(data_dir, &uai).exists() { Some(Store::open(data_dir, &uai, key)?.backup_info()?) } else { None };
    Ok(RestorePreview { backup, existing })
}

/// Brings `file` back as its establishment's store in `data_dir`, encrypted
/// with `key`. An establishment already there is replaced only with
/// `replace`, and its store is then kept beside the new one.
pub fn restore(
    data_dir: &Path,
    file: &Path,
    passphrase: &str,
    key: &DbKey,
    replace: bool,
    actor: &str,
) -> Result<Restored, StoreError> {
    let (conn, info) = read(file, passphrase)?;
    drop(conn);
    let uai = Uai::parse(&info.uai).map_err(|_| refused("BACKUP_UNREADABLE", "UAI illisible".into()))?;
    let target = store_path(data_dir, &uai);
    if target.exists() && !replace {
        return Err(refused(
            "RESTORE_EXISTS",
            format!(
                "l'établissement {uai} existe déjà sur ce poste : rien n'a été remplacé (choisissez de le remplacer, \
                 après avoir vu ce qui le serait)"
            ),
        ));
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let part = beside(&target, ".restauration");
    let _ = std::fs::remove_file(&part);
    // The new store, under this PC's key, filled from the backup attached under its passphrase.
    let copied = (|| -> Result<(), StoreError> {
        let conn = Connection::open(&part).map_err(sql("restauration"))?;
        conn.pragma_update(None, "key", key.sql_key()).map_err(sql("restauration"))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS sauvegarde KEY ?2",
            rusqlite::params![file.to_string_lossy().into_owned(), passphrase],
        )
        .map_err(sql("restauration"))?;
        let done = (|| {
            conn.query_row("SELECT sqlcipher_export('main', 'sauvegarde')", [], |_| Ok(()))
                .map_err(sql("restauration"))?;
            let version: i64 =
                conn.query_row("PRAGMA sauvegarde.user_version", [], |r| r.get(0)).map_err(sql("restauration"))?;
            conn.execute_batch(&format!(
                "PRAGMA main.user_version = {version};
                 DELETE FROM main.meta WHERE key IN ('backup_uai', 'backup_at');"
            ))
            .map_err(sql("restauration"))
        })();
        let detached = conn.execute_batch("DETACH DATABASE sauvegarde;").map_err(sql("restauration"));
        done.and(detached)
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    // The old store (and its write-ahead log) set aside, not deleted.
    let mut replaced_kept = None;
    if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let kept = beside(&target, &format!(".avant-restauration-{stamp}"));
        for suffix in ["-wal", "-shm"] {
            let side = beside(&target, suffix);
            if side.exists() {
                let _ = std::fs::rename(&side, beside(&kept, suffix));
            }
        }
        std::fs::rename(&target, &kept).map_err(io(&target))?;
        replaced_kept = Some(kept.display().to_string());
    }
    std::fs::rename(&part, &target).map_err(io(&target))?;
    let mut store = Store::open(data_dir, &uai, key)?;
    store.append_audit(
        actor,
        "STORE_RESTORED",
        &serde_json::json!({ "file": file.display().to_string(), "replaced": replaced_kept.is_some(), "backup_at": info.written_at }),
    )?;
    Ok(Restored { info, path: target.display().to_string(), replaced_kept })
}
