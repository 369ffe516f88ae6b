//! One encrypted SQLite database per establishment (UAI), in the data
//! directory. SQLCipher encrypts every page with the 256-bit key held by the
//! `secrets` module; a wrong key is an error, never a fresh empty store.

mod audit_log;
mod backup;
mod directory;
mod ent_ng;
mod groups;
mod imports;
mod matching;
mod outbox;
mod population;
mod rentree;
mod schema;
mod sync;
mod visibility;
mod worklist;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::model::{EstablishmentKind, Uai};
use crate::secrets::DbKey;
use crate::ErrorCode;

pub(crate) use audit_log::now;
pub use backup::{
    restore, restore_preview, BackupInfo, RestorePreview, Restored, BACKUP_EXTENSION, MIN_PASSPHRASE, REMIND_AFTER_DAYS,
};
pub use directory::{functions_patch, FollowLink, FunctionChange, HandAccount, UserPatch, HAND_PREFIX};
pub use ent_ng::EntNgRecord;
pub use groups::{accounts_by_person, NewGroup};
pub use imports::{BatchSummary, ColumnPresetRow, Finding, ImportTx, NewBatch};
pub use matching::{AccountLink, JournalEntry, MatchSession};
pub use outbox::{
    membership_patch, patch_attribute, AccountName, Confirmed, MembershipChange, OutboxChange, Resolution, ENT_GROUP,
    ENT_USER,
};
pub use population::{Counts, LevelCounts, LoginChanged, NO_DIVISION};
pub use schema::LATEST as SCHEMA_VERSION;
pub use sync::{LastSync, SnapshotRow};
pub use visibility::{rule_id, NodeChange};

/// Store files are `<UAI>.preau` in the data directory.
pub const EXTENSION: &str = "preau";
pub const DATA_DIR_ENV: &str = "PREAU_DATA_DIR";

const SQLITE_PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("aucune base pour l'établissement {uai} dans {}", path.display())]
    NotFound { uai: String, path: PathBuf },
    #[error("la clé ne déchiffre pas {} (clé incorrecte ou fichier endommagé)", path.display())]
    WrongKey { path: PathBuf },
    #[error("{} est une base SQLite non chiffrée : refusée", path.display())]
    NotEncrypted { path: PathBuf },
    #[error("{} vient d'une version plus récente de Préau (schéma {found}, géré : {supported})", path.display())]
    NewerVersion { path: PathBuf, found: i64, supported: i64 },
    #[error("{} contient l'établissement {found}, pas {expected}", path.display())]
    UaiMismatch { path: PathBuf, expected: String, found: String },
    #[error("accès au fichier {} impossible : {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("erreur de la base ({context}) : {source}")]
    Sql { context: &'static str, source: rusqlite::Error },
    #[error("donnée illisible dans la base : table {table}, ligne {row}, champ {field} = « {value} »")]
    Data { table: &'static str, row: String, field: &'static str, value: String },
    #[error("répertoire de données introuvable : définissez {DATA_DIR_ENV}")]
    NoDataDir,
    /// A change the domain refuses (a locked group, the GAR limit…), nothing written.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "STORE_NOT_FOUND",
            StoreError::WrongKey { .. } => "STORE_WRONG_KEY",
            StoreError::NotEncrypted { .. } => "STORE_NOT_ENCRYPTED",
            StoreError::NewerVersion { .. } => "STORE_MIGRATION_NEWER",
            StoreError::UaiMismatch { .. } => "STORE_UAI_MISMATCH",
            StoreError::Io { .. } => "STORE_IO",
            StoreError::Sql { .. } => "STORE_SQL",
            StoreError::Data { .. } => "STORE_DATA",
            StoreError::NoDataDir => "DATA_DIR_UNKNOWN",
            StoreError::Refused { code, .. } => code,
        }
    }
}

pub(crate) fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sql { context, source }
}

/// `PREAU_DATA_DIR`, else the OS data directory.
pub fn data_dir_from_env() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "windows") {
        return std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("Preau")).ok_or(StoreError::NoDataDir);
    }
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library/Application Support/Preau")).ok_or(StoreError::NoDataDir);
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(xdg).join("preau"));
    }
    home.map(|h| h.join(".local/share/preau")).ok_or(StoreError::NoDataDir)
}

pub fn store_path(data_dir: &Path, uai: &Uai) -> PathBuf {
    data_dir.join(format!("{uai}.{EXTENSION}"))
}

pub struct Store {
    conn: Connection,
    uai: Uai,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("uai", &self.uai).field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens an existing store; `STORE_NOT_FOUND` when there is none.
    pub fn open(data_dir: &Path, uai: &Uai, key: &DbKey) -> Result<Store, StoreError> {
        let path = store_path(data_dir, uai);
        if !path.exists() {
            return Err(StoreError::NotFound { uai: uai.to_string(), path });
        }
        Self::open_at(path, uai, key, None)
    }

    /// Opens the store, creating it (and the data directory) when absent.
    pub fn open_or_create(data_dir: &Path, uai: &Uai, key: &DbKey, actor: &str) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io { path: data_dir.to_path_buf(), source })?;
        let path = store_path(data_dir, uai);
        let create = !path.exists();
        Self::open_at(path, uai, key, create.then_some(actor))
    }

    fn open_at(path: PathBuf, uai: &Uai, key: &DbKey, creator: Option<&str>) -> Result<Store, StoreError> {
        let create = creator.is_some();
        if !create {
            refuse_plain_sqlite(&path)?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen) => StoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string()),
            },
            _ => StoreError::Sql { context: "ouverture", source: e },
        })?;
        // Bound as a string literal: a passphrase cannot break out of it.
        conn.pragma_update(None, "key", key.sql_key()).map_err(sql("clé"))?;
        // SQLCipher logs "hmac check failed" on stderr for a wrong key; we report
        // that ourselves, in French, with a code. Set after the key: activating
        // the codec resets an unset level to WARN.
        let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
        // The first read decides: a wrong key surfaces as SQLITE_NOTADB here.
        let tables = match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(n) => n,
            Err(e) => {
                return Err(match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey { path },
                    _ => StoreError::Sql { context: "lecture initiale", source: e },
                })
            }
        };
        // An existing store always has its tables. One that reads as empty was
        // not decrypted (a store left open, its pages in the write-ahead log,
        // reads so under another key): refused before anything is written to it.
        if !create && tables == 0 {
            let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let mut wal = path.as_os_str().to_os_string();
            wal.push("-wal");
            if size(&path) > 0 || size(Path::new(&wal)) > 0 {
                return Err(StoreError::WrongKey { path });
            }
        }
        // A 64 MiB page cache holds a whole import until its commit, instead
        // of spilling (and encrypting) pages twice mid-transaction.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
             PRAGMA cache_size = -65536;",
        )
        .map_err(sql("réglages"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(sql("réglages"))?;
        let mut store = Store { conn, uai: uai.clone(), path };
        schema::migrate(&mut store.conn, &store.path)?;
        store.check_uai()?;
        if create {
            store.append_audit(
                &crate::audit::actor("preau"),
                "STORE_CREATED",
                &serde_json::json!({ "uai": uai.as_str() }),
            )?;
        }
        Ok(store)
    }

    fn check_uai(&self) -> Result<(), StoreError> {
        let found: Option<String> = self
            .conn
            .query_row("SELECT uai FROM establishment", [], |r| r.get(0))
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .map_err(sql("établissement"))?;
        match found {
            Some(f) if f != self.uai.as_str() => {
                Err(StoreError::UaiMismatch { path: self.path.clone(), expected: self.uai.to_string(), found: f })
            }
            _ => Ok(()),
        }
    }

    pub fn uai(&self) -> &Uai {
        &self.uai
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql("version"))
    }

    /// Raw connection, for tests that tamper with the file on purpose.
    #[doc(hidden)]
    pub fn raw_connection(&self) -> &Connection {
        &self.conn
    }
}

fn refuse_plain_sqlite(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    let n = file.read(&mut head).map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    if n == 16 && &head == SQLITE_PLAIN_HEADER {
        return Err(StoreError::NotEncrypted { path: path.to_path_buf() });
    }
    Ok(())
}

/// One line of the establishment selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstablishmentEntry {
    pub uai: String,
    pub name: Option<String>,
    pub kind: Option<EstablishmentKind>,
    /// Error code when the store could not be read (e.g. `STORE_WRONG_KEY`).
    pub error: Option<String>,
    /// The fictional establishment made to discover Préau.
    pub fictional: bool,
}

/// The establishments with a store in `data_dir`, sorted by UAI. A store that
/// cannot be opened is listed with its error code rather than hidden.
pub fn list_establishments(data_dir: &Path, key: &DbKey) -> Result<Vec<EstablishmentEntry>, StoreError> {
    let entries = match std::fs::read_dir(data_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(StoreError::Io { path: data_dir.to_path_buf(), source }),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| StoreError::Io { path: data_dir.to_path_buf(), source })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(&format!(".{EXTENSION}")) else { continue };
        let Ok(uai) = Uai::parse(stem) else { continue };
        if uai.as_str() != stem {
            continue;
        }
        let read = Store::open(data_dir, &uai, key).and_then(|s| Ok((s.establishment()?, s.is_fictional()?)));
        let line = match read {
            Ok((Some(e), fictional)) => EstablishmentEntry {
                uai: uai.to_string(),
                name: Some(e.name),
                kind: Some(e.kind),
                error: None,
                fictional,
            },
            Ok((None, fictional)) => {
                EstablishmentEntry { uai: uai.to_string(), name: None, kind: None, error: None, fictional }
            }
            Err(e) => EstablishmentEntry {
                uai: uai.to_string(),
                name: None,
                kind: None,
                error: Some(e.code().to_string()),
                fictional: false,
            },
        };
        out.push(line);
    }
    out.sort_by(|a, b| a.uai.cmp(&b.uai));
    Ok(out)
}
