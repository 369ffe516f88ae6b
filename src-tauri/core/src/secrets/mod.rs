//! Where secrets live: the store key and, later, server tokens. Never in the
//! database, logs or exports. The OS keychain backs the app and the CLI
//! (feature `keychain`); an in-memory store serves tests; environment
//! variables supply secrets where no keychain exists (CI, headless).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::ErrorCode;

/// The keychain entry name of the store key (one key for all establishments).
pub const DB_KEY_NAME: &str = "db-key";
/// Environment override for the store key: 64 hexadecimal characters.
pub const DB_KEY_ENV: &str = "PREAU_DB_KEY";
/// Service name under which Préau's keychain entries are filed.
pub const SERVICE: &str = "fr.preau.atelier";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("trousseau du système indisponible : {0}")]
    Unavailable(String),
    #[error("accès au trousseau refusé : {0}")]
    Access(String),
    #[error("{DB_KEY_ENV} doit contenir 64 caractères hexadécimaux")]
    BadEnvKey,
    #[error("clé stockée illisible dans le trousseau")]
    BadStoredKey,
    #[error("générateur aléatoire du système indisponible")]
    Random,
}

impl ErrorCode for SecretError {
    fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable(_) => "KEYCHAIN_UNAVAILABLE",
            SecretError::Access(_) => "KEYCHAIN_ACCESS",
            SecretError::BadEnvKey => "DB_KEY_ENV_INVALID",
            SecretError::BadStoredKey => "DB_KEY_STORED_INVALID",
            SecretError::Random => "RANDOM_UNAVAILABLE",
        }
    }
}

pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, name: &str, value: &str) -> Result<(), SecretError>;
    fn delete(&self, name: &str) -> Result<(), SecretError>;
}

/// In-memory secrets (tests, and the shell's stand-in when asked to run without a keychain).
#[derive(Default)]
pub struct MemorySecrets {
    map: Mutex<HashMap<String, String>>,
}

impl MemorySecrets {
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        let map = self.map.lock().map_err(|_| SecretError::Access("verrou".into()))?;
        Ok(map.get(name).cloned())
    }
    fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        let mut map = self.map.lock().map_err(|_| SecretError::Access("verrou".into()))?;
        map.insert(name.to_string(), value.to_string());
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<(), SecretError> {
        let mut map = self.map.lock().map_err(|_| SecretError::Access("verrou".into()))?;
        map.remove(name);
        Ok(())
    }
}

/// A 256-bit SQLCipher key. Debug never prints it.
/// The key of the stores: 256 random bits kept in the keychain, or — on a PC
/// without one — a passphrase the user chooses, which SQLCipher derives
/// into the key itself (PBKDF2).
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey(Material);

#[derive(Clone, PartialEq, Eq)]
enum Material {
    Raw([u8; 32]),
    Passphrase(String),
}

/// The shortest passphrase accepted to protect the stores.
pub const MIN_PASSPHRASE: usize = 8;

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl DbKey {
    pub fn from_hex(hex_str: &str) -> Option<DbKey> {
        let s = hex_str.trim();
        if s.len() != 64 {
            return None;
        }
        let bytes = hex::decode(s).ok()?;
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DbKey(Material::Raw(arr)))
    }

    pub fn random() -> Result<DbKey, SecretError> {
        let mut arr = [0u8; 32];
        getrandom::fill(&mut arr).map_err(|_| SecretError::Random)?;
        Ok(DbKey(Material::Raw(arr)))
    }

    /// A passphrase of at least [`MIN_PASSPHRASE`] characters; `None` otherwise.
    pub fn from_passphrase(passphrase: &str) -> Option<DbKey> {
        (passphrase.chars().count() >= MIN_PASSPHRASE).then(|| DbKey(Material::Passphrase(passphrase.to_string())))
    }

    /// The raw key in hexadecimal (empty for a passphrase, which is never written anywhere).
    pub fn to_hex(&self) -> String {
        match &self.0 {
            Material::Raw(k) => hex::encode(k),
            Material::Passphrase(_) => String::new(),
        }
    }

    /// What SQLCipher's `PRAGMA key` / `ATTACH … KEY` take: `x'…'` for a raw
    /// key (used as is), the passphrase itself otherwise (derived by SQLCipher).
    pub fn sql_key(&self) -> String {
        match &self.0 {
            Material::Raw(k) => format!("x'{}'", hex::encode(k)),
            Material::Passphrase(p) => p.clone(),
        }
    }

    pub fn is_passphrase(&self) -> bool {
        matches!(self.0, Material::Passphrase(_))
    }
}

/// The store key: `PREAU_DB_KEY` when set, else the keychain's, generated and
/// saved on first use.
pub fn db_key(secrets: &dyn SecretStore) -> Result<DbKey, SecretError> {
    if let Ok(env) = std::env::var(DB_KEY_ENV) {
        return DbKey::from_hex(&env).ok_or(SecretError::BadEnvKey);
    }
    db_key_from(secrets)
}

/// Like [`db_key`] without the environment override.
pub fn db_key_from(secrets: &dyn SecretStore) -> Result<DbKey, SecretError> {
    match secrets.get(DB_KEY_NAME)? {
        Some(stored) => DbKey::from_hex(&stored).ok_or(SecretError::BadStoredKey),
        None => {
            let key = DbKey::random()?;
            secrets.set(DB_KEY_NAME, &key.to_hex())?;
            Ok(key)
        }
    }
}

#[cfg(feature = "keychain")]
mod keychain;
#[cfg(feature = "keychain")]
pub use keychain::KeychainSecrets;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_generated_once_then_reused() {
        let s = MemorySecrets::new();
        let a = db_key_from(&s).unwrap();
        let b = db_key_from(&s).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_hex().len(), 64);
        let other = db_key_from(&MemorySecrets::new()).unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn bad_hex_is_refused() {
        assert!(DbKey::from_hex("zz").is_none());
        assert!(DbKey::from_hex(&"g".repeat(64)).is_none());
        let s = MemorySecrets::new();
        s.set(DB_KEY_NAME, "nope").unwrap();
        assert_eq!(db_key_from(&s).unwrap_err().code(), "DB_KEY_STORED_INVALID");
    }
}
