//! The OS keychain through keyring-core: Secret Service (D-Bus) on Linux,
//! Credential Manager on Windows, Keychain on macOS.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error};

use super::{SecretError, SecretStore, SERVICE};

pub struct KeychainSecrets {
    store: Arc<CredentialStore>,
}

impl KeychainSecrets {
    /// Opens the platform store. Fails (KEYCHAIN_UNAVAILABLE) where the
    /// platform has none running, e.g. a Linux session without a secret service.
    pub fn open() -> Result<KeychainSecrets, SecretError> {
        let store: Arc<CredentialStore> = platform_store().map_err(|e| SecretError::Unavailable(e.to_string()))?;
        Ok(KeychainSecrets { store })
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, SERVICE, name).map_err(map_err)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(Error::NotSupportedByStore("système non pris en charge".into()))
}

fn map_err(e: Error) -> SecretError {
    match e {
        Error::NoStorageAccess(p) => SecretError::Access(p.to_string()),
        Error::NoDefaultStore => SecretError::Unavailable("aucun trousseau".into()),
        other => SecretError::Unavailable(other.to_string()),
    }
}

impl SecretStore for KeychainSecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }
    fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.entry(name)?.set_password(value).map_err(map_err)
    }
    fn delete(&self, name: &str) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}
