//! What every command needs: where the stores are and how to get their key.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
}

/// Managed state; cheap to clone so commands can move it onto a blocking thread.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// The app's state: `PREAU_DATA_DIR` or the OS data directory, and the
    /// OS keychain (with `PREAU_DB_KEY` taking precedence).
    pub fn from_env() -> AppState {
        let data_dir = store::data_dir_from_env().map_err(IpcError::from);
        let (secrets, keychain_ok): (Box<dyn SecretStore>, bool) = match secrets::KeychainSecrets::open() {
            Ok(k) => (Box::new(k), true),
            Err(e) => {
                if std::env::var_os(secrets::DB_KEY_ENV).is_none() {
                    eprintln!(
                        "Préau : {e} ; fournissez la clé dans {} (64 caractères hexadécimaux)",
                        secrets::DB_KEY_ENV
                    );
                }
                (Box::new(UnavailableSecrets(e.to_string())), false)
            }
        };
        AppState::build(data_dir, secrets, KeySource::EnvironmentThenKeychain, keychain_ok)
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
        AppState { inner: Arc::new(Inner { data_dir, secrets, source, keychain_ok, key: Mutex::new(None) }) }
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
            KeySource::EnvironmentThenKeychain => "unavailable",
        }
    }

    pub fn db_key(&self) -> Result<DbKey, IpcError> {
        let mut cached = self.inner.key.lock().map_err(|_| IpcError::new("INTERNAL", "verrou de la clé"))?;
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let secrets = self.inner.secrets.as_ref();
        let key = match self.inner.source {
            KeySource::EnvironmentThenKeychain => secrets::db_key(secrets)?,
            KeySource::Injected => secrets::db_key_from(secrets)?,
        };
        *cached = Some(key.clone());
        Ok(key)
    }
}
