//! The command-line contract, run as a real process on real store files.

use std::path::Path;
use std::process::{Command, Output};

use preau_core::model::{EstablishmentKind, Uai};
use preau_core::secrets::DbKey;
use preau_core::store::Store;

const KEY: &str = "5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f";
const UAI: &str = "0999001W";

fn cli(dir: &Path, args: &[&str]) -> Output {
    cli_with_key(dir, KEY, args)
}

fn cli_with_key(dir: &Path, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("PREAU_DB_KEY", key)
        .env_remove("PREAU_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_usage_error(o: &Output, code: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(code), "{code} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_arguments_are_one_french_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_error(&cli(dir.path(), &["status"]), "arguments invalides");
    assert_usage_error(&cli(dir.path(), &["demo", "--uai", UAI, "--kind", "ecole"]), "arguments invalides");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", "0999001A"]), "UAI_CHECK_LETTER");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", "99"]), "UAI_SHAPE");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", UAI]), "STORE_NOT_FOUND");
    assert_usage_error(&cli_with_key(dir.path(), "abc", &["status", "--uai", UAI]), "DB_KEY_ENV_INVALID");
}

#[test]
fn demo_status_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("élèves"));

    let o = cli(dir.path(), &["status", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let key = DbKey::from_hex(KEY).unwrap();
    let uai = Uai::parse(UAI).unwrap();
    let store = Store::open(dir.path(), &uai, &key).unwrap();
    assert_eq!(json, serde_json::to_value(store.counts().unwrap()).unwrap());
    assert!(json["pupils"].as_u64().unwrap() > 500);
    // Levels in school order in the printed JSON (a parsed Value would sort its keys).
    let text = stdout(&o);
    let at = |l: &str| text.find(&format!("\"{l}\":")).unwrap();
    assert!(at("6e") < at("5e") && at("5e") < at("4e") && at("4e") < at("3e"), "{text}");
    let digest = store.content_digest().unwrap();
    drop(store);

    let o = cli(dir.path(), &["status", "--uai", UAI]);
    assert!(stdout(&o).contains("enseignants"));

    // Same seed again: the same content.
    assert_eq!(cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--seed", "3"]).status.code(), Some(0));
    assert_eq!(Store::open(dir.path(), &uai, &key).unwrap().content_digest().unwrap(), digest);

    let o = cli(dir.path(), &["audit", "verify", "--uai", UAI]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("3 entrées"), "{}", stdout(&o));

    // Tamper with the log: exit 1 and the first bad entry.
    let store = Store::open(dir.path(), &uai, &key).unwrap();
    store
        .raw_connection()
        .execute_batch("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'intrus@cli' WHERE seq = 2;")
        .unwrap();
    drop(store);
    let o = cli(dir.path(), &["audit", "verify", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["first_bad"]["seq"], 2);
    assert!(stderr(&o).contains("n° 2"));

    // A wrong key is refused, and nothing is created.
    let other = "00".repeat(32);
    assert_usage_error(&cli_with_key(dir.path(), &other, &["status", "--uai", UAI]), "STORE_WRONG_KEY");
    assert_usage_error(
        &cli_with_key(dir.path(), &other, &["demo", "--uai", UAI, "--kind", "college"]),
        "STORE_WRONG_KEY",
    );
}

#[test]
fn demo_never_overwrites_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let uai = Uai::parse(UAI).unwrap();
    let key = DbKey::from_hex(KEY).unwrap();
    let mut store = Store::open_or_create(dir.path(), &uai, &key, "test@cli").unwrap();
    let data = preau_core::demo::generate(&uai, EstablishmentKind::College, 9);
    store.replace_population(&data, "test@cli", "IMPORT", &serde_json::json!({})).unwrap();
    let digest = store.content_digest().unwrap();
    drop(store);
    assert_usage_error(&cli(dir.path(), &["demo", "--uai", UAI, "--kind", "lycee"]), "DEMO_WOULD_OVERWRITE");
    assert_eq!(Store::open(dir.path(), &uai, &key).unwrap().content_digest().unwrap(), digest);
}
