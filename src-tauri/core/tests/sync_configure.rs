//! The server's address and token are saved together or not at all; a token
//! belongs to one server.

use preau_core::model::Uai;
use preau_core::secrets::{DbKey, MemorySecrets, SecretError, SecretStore};
use preau_core::store::Store;
use preau_core::sync;
use preau_core::ErrorCode;

/// A keychain that cannot be reached (no Secret Service in the session).
struct NoKeychain;

impl SecretStore for NoKeychain {
    fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
        Err(SecretError::Unavailable("aucun service de secrets".into()))
    }
    fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("aucun service de secrets".into()))
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("aucun service de secrets".into()))
    }
}

fn store(dir: &std::path::Path) -> Store {
    let uai = Uai::from_digits("0999001").unwrap();
    Store::open_or_create(dir, &uai, &DbKey::from_hex(&"ab".repeat(32)).unwrap(), "test").unwrap()
}

fn configured(store: &Store) -> usize {
    store.audit_entries(1000).unwrap().iter().filter(|e| e.action == "SYNC_CONFIGURED").count()
}

#[test]
fn a_token_the_keychain_cannot_keep_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let e = sync::configure(
        &mut s,
        &NoKeychain,
        "0999001W",
        "https://ent.example.fr/scim/v2",
        Some("jeton-secret"),
        "test",
    )
    .unwrap_err();
    assert_eq!(e.code(), "SYNC_TOKEN_NOT_SAVED");
    assert!(!e.to_string().contains("jeton-secret"), "{e}");
    assert_eq!(s.sync_url().unwrap(), None, "no address kept");
    assert_eq!(configured(&s), 0, "nothing journaled");
    // Without a token, the address alone is kept.
    sync::configure(&mut s, &NoKeychain, "0999001W", "https://ent.example.fr/scim/v2", None, "test").unwrap();
    assert_eq!(s.sync_url().unwrap().as_deref(), Some("https://ent.example.fr/scim/v2"));
    assert_eq!(configured(&s), 1);
}

#[test]
fn a_token_belongs_to_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let secrets = MemorySecrets::new();
    let uai = "0999001W";
    let first =
        sync::configure(&mut s, &secrets, uai, "https://ent.example.fr/scim/v2", Some("jeton-A"), "test").unwrap();
    if std::env::var_os(sync::TOKEN_ENV).is_none() {
        assert_eq!(sync::token(&secrets, uai, &first).unwrap(), "jeton-A");
        // Another address: the first server's token is not sent there.
        let other = sync::configure(&mut s, &secrets, uai, "https://autre.example.fr/scim/v2", None, "test").unwrap();
        assert_eq!(sync::token(&secrets, uai, &other).unwrap_err().code(), "SYNC_NO_TOKEN");
        sync::configure(&mut s, &secrets, uai, &other, Some("jeton-B"), "test").unwrap();
        assert_eq!(sync::token(&secrets, uai, &other).unwrap(), "jeton-B");
        assert_eq!(sync::token(&secrets, uai, &first).unwrap(), "jeton-A");
    }
    // Credentials in the address are refused before anything is saved or journaled.
    let e = sync::configure(&mut s, &secrets, uai, "https://admin:s3cret@ent.example.fr/v2", None, "test").unwrap_err();
    assert_eq!(e.code(), "SYNC_BAD_URL");
    assert!(!e.to_string().contains("s3cret"));
    assert!(s.audit_entries(1000).unwrap().iter().all(|e| !e.detail.contains("s3cret")));
}
