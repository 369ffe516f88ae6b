//! What every command needs: where the stores are and how to get their key;
//! the running import's cancel token; the test stand-ins for native dialogs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use preau_core::progress::CancelToken;
use preau_core::reconcile::session::Workspace;
use preau_core::secrets::{self, DbKey, SecretError, SecretStore};
use preau_core::store;

use crate::error::IpcError;

/// Where the store key comes from, as `app_info` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeySource {
    /// The app: `PREAU_DB_KEY` when set, else the OS keychain.
    EnvironmentThenKeychain,
    /// Tests: only the injected secret store, whatever the environment says.
    Injected,
}

/// Stands in for the keychain when it cannot be opened: every use reports
/// why, so the UI can explain how to supply the key instead of failing to start.
struct UnavailableSecrets(String);

impl SecretStore for UnavailableSecrets {
    fn get(&self, _name: &str) -> Result<Option<String>, SecretError> {
        Err(SecretError::Unavailable(self.0.clone()))
    }
    fn set(&self, _name: &str, _value: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable(self.0.clone()))
    }
    fn delete(&self, _name: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable(self.0.clone()))
    }
}

struct Inner {
    data_dir: Result<PathBuf, IpcError>,
    secrets: Box<dyn SecretStore>,
    source: KeySource,
    keychain_ok: bool,
    /// The key, once read: one keychain round-trip per session, not per command.
    key: Mutex<Option<DbKey>>,
    /// The import under way, if any: one at a time, cancellable from the UI.
    import: Mutex<Option<CancelToken>>,
    /// The push under way, if any: cancellable from the UI.
    push: Mutex<Option<CancelToken>>,
    /// Reconciliation workspaces by (UAI, source): computed once per session.
    workspaces: Mutex<HashMap<(String, String), Arc<Workspace>>>,
    /// Held while a workspace is computed: a second request waits for it instead of computing it again.
    building: Mutex<()>,
    /// The whole ENT's directory index by UAI, with what it was built from:
    /// built once, then each keystroke of the Annuaire searches it.
    directories: Mutex<HashMap<String, (String, Arc<preau_core::reconcile::Directory>)>>,
    /// The establishment's people prepared for the Annuaire, by UAI, with the journal's head they were read at.
    people: Mutex<HashMap<String, (String, Arc<preau_core::directory::People>)>>,
}

/// `uai`'s value in `map`, built again when `stamp` changed.
fn cached<T>(
    map: &Mutex<HashMap<String, (String, Arc<T>)>>,
    uai: &str,
    stamp: &str,
    build: impl FnOnce() -> Result<T, IpcError>,
) -> Result<Arc<T>, IpcError> {
    let locked = || map.lock().map_err(|_| IpcError::new("INTERNAL", "verrou de l'annuaire"));
    if let Some((s, d)) = locked()?.get(uai) {
        if s == stamp {
            return Ok(d.clone());
        }
    }
    let built = Arc::new(build()?);
    locked()?.insert(uai.to_string(), (stamp.to_string(), built.clone()));
    Ok(built)
}

/// Answers that replace the native file dialogs, which WebDriver cannot drive.
#[derive(Debug, Clone, Default)]
pub struct DialogOverride {
    /// What "choose files" returns (`PREAU_TEST_PICK`, paths joined by the OS path-list separator).
    pub pick: Option<Vec<PathBuf>>,
    /// The folder where "save" writes, under the suggested name (`PREAU_TEST_SAVE`).
    pub save_dir: Option<PathBuf>,
}

pub const TEST_PICK_ENV: &str = "PREAU_TEST_PICK";
/// End-to-end tests: `memory` stands an in-memory keychain in for the OS
/// one, `none` a session without any keychain.
pub const TEST_KEYCHAIN_ENV: &str = "PREAU_TEST_KEYCHAIN";
pub const TEST_SAVE_ENV: &str = "PREAU_TEST_SAVE";

/// Whether this build answers the file dialogs from `PREAU_TEST_PICK` /
/// `PREAU_TEST_SAVE`: the debug builds the end-to-end tests drive, never a
/// release build (a variable left in a user's environment would otherwise
/// pick files or overwrite an export without asking).
pub const TEST_HOOKS: bool = cfg!(debug_assertions);

impl DialogOverride {
    fn from_env() -> DialogOverride {
        DialogOverride::from_vars(TEST_HOOKS, |name| std::env::var_os(name))
    }

    /// The answers the variables give, when `hooks` allows them at all.
    fn from_vars(hooks: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> DialogOverride {
        if !hooks {
            return DialogOverride::default();
        }
        DialogOverride {
            pick: var(TEST_PICK_ENV).map(|v| std::env::split_paths(&v).collect()),
            save_dir: var(TEST_SAVE_ENV).map(PathBuf::from),
        }
    }
}

/// Managed state; cheap to clone so commands can move it onto a blocking thread.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    dialogs: Arc<DialogOverride>,
}

/// The running import's claim on the state: dropping it (work done, failed
/// or panicked) lets the next import start.
pub struct ImportRun {
    state: AppState,
    cancel: CancelToken,
}

impl ImportRun {
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }
}

impl Drop for ImportRun {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.state.inner.import.lock() {
            *slot = None;
        }
    }
}

impl AppState {
    /// The app's state: `PREAU_DATA_DIR` or the OS data directory, and the
    /// OS keychain (with `PREAU_DB_KEY` taking precedence).
    pub fn from_env() -> AppState {
        let data_dir = store::data_dir_from_env().map_err(IpcError::from);
        let stand_in = std::env::var(TEST_KEYCHAIN_ENV).ok();
        let opened = match stand_in.as_deref() {
            Some("memory") => Ok(Box::new(secrets::MemorySecrets::new()) as Box<dyn SecretStore>),
            Some("none") => Err(SecretError::Unavailable(format!("aucun trousseau ({TEST_KEYCHAIN_ENV}=none)"))),
            _ => secrets::KeychainSecrets::open().map(|k| Box::new(k) as Box<dyn SecretStore>),
        };
        let (secrets, keychain_ok): (Box<dyn SecretStore>, bool) = match opened {
            Ok(k) => (k, true),
            Err(e) => {
                if std::env::var_os(secrets::DB_KEY_ENV).is_none() {
                    eprintln!("Préau : {e} ; les établissements seront protégés par une phrase de passe");
                }
                (Box::new(UnavailableSecrets(e.to_string())), false)
            }
        };
        AppState::build(data_dir, secrets, KeySource::EnvironmentThenKeychain, keychain_ok)
            .with_dialogs(DialogOverride::from_env())
    }

    /// Tests and embedding: a given data directory and secret store; the
    /// environment's `PREAU_DB_KEY` is ignored.
    pub fn new(data_dir: PathBuf, secrets: Box<dyn SecretStore>) -> AppState {
        AppState::build(Ok(data_dir), secrets, KeySource::Injected, true)
    }

    fn build(
        data_dir: Result<PathBuf, IpcError>,
        secrets: Box<dyn SecretStore>,
        source: KeySource,
        keychain_ok: bool,
    ) -> AppState {
        let inner = Inner {
            data_dir,
            secrets,
            source,
            keychain_ok,
            key: Mutex::new(None),
            import: Mutex::new(None),
            push: Mutex::new(None),
            workspaces: Mutex::new(HashMap::new()),
            building: Mutex::new(()),
            directories: Mutex::new(HashMap::new()),
            people: Mutex::new(HashMap::new()),
        };
        AppState { inner: Arc::new(inner), dialogs: Arc::new(DialogOverride::default()) }
    }

    /// Tests: answers for the file dialogs instead of showing them.
    pub fn with_dialogs(mut self, dialogs: DialogOverride) -> AppState {
        self.dialogs = Arc::new(dialogs);
        self
    }

    pub fn dialogs(&self) -> &DialogOverride {
        &self.dialogs
    }

    /// The ENT directory index of `uai`, built again only when `stamp` (what
    /// it is built from) changed.
    pub fn directory_index(
        &self,
        uai: &str,
        stamp: &str,
        build: impl FnOnce() -> Result<preau_core::reconcile::Directory, IpcError>,
    ) -> Result<Arc<preau_core::reconcile::Directory>, IpcError> {
        cached(&self.inner.directories, uai, stamp, build)
    }

    /// The establishment's people prepared for the Annuaire, read again only
    /// when the journal moved (every change to a store is journaled).
    pub fn people(
        &self,
        uai: &str,
        stamp: &str,
        build: impl FnOnce() -> Result<preau_core::directory::People, IpcError>,
    ) -> Result<Arc<preau_core::directory::People>, IpcError> {
        cached(&self.inner.people, uai, stamp, build)
    }

    /// Claims the import slot; `IMPORT_RUNNING` when another import is under way.
    /// The cached workspace of (`uai`, `source`), built by `make` when absent
    /// or when `fresh` asks for a recomputation.
    pub fn workspace(
        &self,
        uai: &str,
        source: &str,
        fresh: bool,
        make: impl FnOnce() -> Result<Workspace, IpcError>,
    ) -> Result<Arc<Workspace>, IpcError> {
        let key = (uai.to_string(), source.to_string());
        {
            let cache =
                self.inner.workspaces.lock().map_err(|_| IpcError::new("INTERNAL", "verrou du rapprochement"))?;
            if let (false, Some(w)) = (fresh, cache.get(&key)) {
                return Ok(w.clone());
            }
        }
        let _one = self.inner.building.lock().map_err(|_| IpcError::new("INTERNAL", "verrou du rapprochement"))?;
        if !fresh {
            let cache =
                self.inner.workspaces.lock().map_err(|_| IpcError::new("INTERNAL", "verrou du rapprochement"))?;
            if let Some(w) = cache.get(&key) {
                return Ok(w.clone());
            }
        }
        let built = Arc::new(make()?);
        let mut cache =
            self.inner.workspaces.lock().map_err(|_| IpcError::new("INTERNAL", "verrou du rapprochement"))?;
        cache.insert(key, built.clone());
        Ok(built)
    }

    pub fn begin_import(&self) -> Result<ImportRun, IpcError> {
        let mut slot = self.inner.import.lock().map_err(|_| IpcError::new("INTERNAL", "verrou de l'import"))?;
        if slot.is_some() {
            return Err(IpcError::new("IMPORT_RUNNING", "un import est déjà en cours"));
        }
        let cancel = CancelToken::new();
        *slot = Some(cancel.clone());
        Ok(ImportRun { state: self.clone(), cancel })
    }

    /// Asks the running import to stop; false when none is running.
    pub fn cancel_import(&self) -> bool {
        match self.inner.import.lock() {
            Ok(slot) => slot.as_ref().map(CancelToken::cancel).is_some(),
            Err(_) => false,
        }
    }

    /// A token for the push about to start (replacing any earlier one).
    pub fn begin_push(&self) -> CancelToken {
        let token = CancelToken::new();
        if let Ok(mut slot) = self.inner.push.lock() {
            *slot = Some(token.clone());
        }
        token
    }

    /// Asks the running push to stop after the change under way; false when none runs.
    pub fn cancel_push(&self) -> bool {
        match self.inner.push.lock() {
            Ok(slot) => slot.as_ref().map(CancelToken::cancel).is_some(),
            Err(_) => false,
        }
    }

    /// The secret store (the OS keychain, or one that holds nothing).
    pub fn secrets(&self) -> &dyn SecretStore {
        self.inner.secrets.as_ref()
    }

    pub fn data_dir(&self) -> Result<&Path, IpcError> {
        self.inner.data_dir.as_deref().map_err(Clone::clone)
    }

    pub fn data_dir_error(&self) -> Option<IpcError> {
        self.inner.data_dir.as_ref().err().cloned()
    }

    /// `environment`, `keychain`, `unavailable` or `injected`, for the UI's information.
    pub fn key_source(&self) -> &'static str {
        match self.inner.source {
            KeySource::Injected => "injected",
            KeySource::EnvironmentThenKeychain if std::env::var_os(secrets::DB_KEY_ENV).is_some() => "environment",
            KeySource::EnvironmentThenKeychain if self.inner.keychain_ok => "keychain",
            KeySource::EnvironmentThenKeychain => "passphrase",
        }
    }

    pub fn db_key(&self) -> Result<DbKey, IpcError> {
        let mut cached = self.inner.key.lock().map_err(|_| IpcError::new("INTERNAL", "verrou de la clé"))?;
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        if self.needs_passphrase() {
            return Err(IpcError::new(
                "KEY_PASSPHRASE_NEEDED",
                "ce poste n'a pas de trousseau : la phrase de passe des établissements est demandée",
            ));
        }
        let secrets = self.inner.secrets.as_ref();
        let key = match self.inner.source {
            KeySource::EnvironmentThenKeychain => secrets::db_key(secrets)?,
            KeySource::Injected => secrets::db_key_from(secrets)?,
        };
        *cached = Some(key.clone());
        Ok(key)
    }

    /// No keychain and no key in the environment: the stores are protected
    /// by a passphrase the user gives once per session.
    pub fn needs_passphrase(&self) -> bool {
        self.inner.source == KeySource::EnvironmentThenKeychain
            && !self.inner.keychain_ok
            && std::env::var_os(secrets::DB_KEY_ENV).is_none()
    }

    /// Whether the session's key is known (from the keychain, the environment, or a passphrase given).
    pub fn unlocked(&self) -> bool {
        self.inner.key.lock().map(|k| k.is_some()).unwrap_or(false)
    }

    /// The passphrase for this session: checked against the stores already in
    /// the data folder (a wrong one is refused, nothing is created); with none
    /// there yet, it becomes the one that protects those to come.
    pub fn unlock(&self, passphrase: &str) -> Result<bool, IpcError> {
        let key = secrets::DbKey::from_passphrase(passphrase).ok_or_else(|| {
            IpcError::new("KEY_PASSPHRASE_SHORT", "phrase de passe trop courte").with("min", secrets::MIN_PASSPHRASE)
        })?;
        let dir = self.data_dir()?;
        let existing = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let stem = name.strip_suffix(&format!(".{}", store::EXTENSION))?.to_string();
                        preau_core::model::Uai::parse(&stem).ok()
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        // One store tells: they all share the session's key.
        if let Some(uai) = existing.first() {
            match store::Store::open(dir, uai, &key) {
                Ok(_) => {}
                Err(store::StoreError::WrongKey { .. }) => {
                    return Err(IpcError::new(
                        "KEY_PASSPHRASE_WRONG",
                        "cette phrase de passe n'ouvre pas les établissements de ce poste",
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut cached = self.inner.key.lock().map_err(|_| IpcError::new("INTERNAL", "verrou de la clé"))?;
        *cached = Some(key);
        Ok(!existing.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hooks_set(name: &str) -> Option<std::ffi::OsString> {
        match name {
            TEST_PICK_ENV => Some("/tmp/a.xml".into()),
            TEST_SAVE_ENV => Some("/tmp/exports".into()),
            _ => None,
        }
    }

    #[test]
    fn dialog_answers_come_from_the_environment_only_when_hooks_are_built_in() {
        let off = DialogOverride::from_vars(false, hooks_set);
        assert!(off.pick.is_none() && off.save_dir.is_none(), "a release build shows the real dialogs");
        let on = DialogOverride::from_vars(true, hooks_set);
        assert_eq!(on.pick, Some(vec![PathBuf::from("/tmp/a.xml")]));
        assert_eq!(on.save_dir, Some(PathBuf::from("/tmp/exports")));
    }

    /// Release and bundle builds use the release profile: were it (or a
    /// profile inheriting from it) to turn debug assertions on, in the
    /// manifest or the cargo configuration, `TEST_HOOKS` would follow and the
    /// hooks would ship.
    #[test]
    fn the_release_profile_keeps_debug_assertions_off() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [root.join("Cargo.toml"), root.join(".cargo/config.toml"), root.join(".cargo/config")] {
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            let mut section = String::new();
            for line in text.lines().map(str::trim) {
                if line.starts_with('[') {
                    section = line.to_string();
                    continue;
                }
                let setting: String = line.chars().filter(|c| !c.is_whitespace()).collect();
                let release_like = section.starts_with("[profile.")
                    && !section.starts_with("[profile.dev")
                    && !section.starts_with("[profile.test");
                assert!(
                    !(release_like && setting.starts_with("debug-assertions=true")),
                    "{} {section} : debug-assertions activé, les crochets de test seraient livrés",
                    file.display()
                );
            }
        }
    }
}
