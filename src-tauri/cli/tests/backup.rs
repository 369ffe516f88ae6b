//! `preau-cli backup` and `restore`: an establishment taken to another PC
//! (another store key) in one file under a passphrase, and back whole — the
//! same counts, the same journal, a chain that still verifies; a wrong
//! passphrase, a damaged file or an establishment already there refused,
//! nothing half-written.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

const PASSPHRASE: &str = "cour de récré 2026";
const OTHER_KEY: &str = "1f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e81";

/// preau-cli on `dir` with `key` as the store key and `passphrase` for backups.
fn run(dir: &Path, key: &str, passphrase: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("PREAU_DB_KEY", key)
        .env("PREAU_BACKUP_PASSPHRASE", passphrase)
        .env_remove("PREAU_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn store(dir: &Path, key: &str) -> preau_core::store::Store {
    preau_core::store::Store::open(
        dir,
        &preau_core::model::Uai::parse(UAI).unwrap(),
        &preau_core::secrets::DbKey::from_hex(key).unwrap(),
    )
    .unwrap()
}

#[test]
fn an_establishment_goes_to_another_pc_and_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (d, other) = (dir.path().join("poste-1"), dir.path().join("poste-2"));
    demo(&d, 3);
    close_parent_direction(&d);
    ok(&cli(&d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "eleves-3e"]));
    let file = dir.path().join("cle-usb").join(format!("{UAI}.preau-sauvegarde"));
    let out = file.to_str().unwrap();

    // Too short a passphrase: nothing written.
    fails_with(&run(&d, KEY, "court", &["backup", "--uai", UAI, "--out", out]), "BACKUP_WEAK_PASSPHRASE");
    assert!(!file.exists());
    let o = run(&d, KEY, PASSPHRASE, &["backup", "--uai", UAI, "--out", out, "--json"]);
    let written = ok_json(&o);
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "encrypted");
    assert!(!String::from_utf8_lossy(&bytes).contains("Olympe"), "no name in clear");
    let source = open(&d);
    let before = source.backup_info().unwrap();
    assert_eq!(written["backup"]["pupils"].as_u64(), Some(before.pupils));
    assert!(before.pending > 10 && before.groups > 0, "{before:?}");
    // Newest first.
    let journal = source.audit_entries(10_000).unwrap();
    assert_eq!(journal[0].action, "BACKUP_WRITTEN", "the backup is journaled where it was made");
    assert!(source.last_backup().unwrap().is_some());
    drop(source);

    // A wrong passphrase, a damaged copy: refused, nothing restored.
    fails_with(&run(&other, OTHER_KEY, "pas la bonne phrase", &["restore", out]), "BACKUP_UNREADABLE");
    let damaged = dir.path().join("abimee.preau-sauvegarde");
    let mut copy = bytes.clone();
    let middle = copy.len() / 2;
    copy[middle] ^= 0x5a;
    std::fs::write(&damaged, &copy).unwrap();
    fails_with(&run(&other, OTHER_KEY, PASSPHRASE, &["restore", damaged.to_str().unwrap()]), "BACKUP_DAMAGED");
    let truncated = dir.path().join("tronquee.preau-sauvegarde");
    std::fs::write(&truncated, &bytes[..bytes.len() - 4096]).unwrap();
    let o = run(&other, OTHER_KEY, PASSPHRASE, &["restore", truncated.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!other.join(format!("{UAI}.preau")).exists(), "nothing half-written");

    // Another PC, another store key: the same establishment.
    let restored = ok_json(&run(&other, OTHER_KEY, PASSPHRASE, &["restore", out, "--json"]));
    assert!(restored["replaced_kept"].is_null());
    let there = store(&other, OTHER_KEY);
    let after = there.backup_info().unwrap();
    assert_eq!(
        (after.pupils, after.responsables, after.teachers, after.staff, after.groups, after.pending),
        (before.pupils, before.responsables, before.teachers, before.staff, before.groups, before.pending)
    );
    let restored_journal = there.audit_entries(10_000).unwrap();
    assert_eq!(restored_journal.len(), journal.len(), "the journal as it was, then the restore");
    assert_eq!(
        restored_journal[1..].iter().map(|e| &e.hash).collect::<Vec<_>>(),
        journal[1..].iter().map(|e| &e.hash).collect::<Vec<_>>()
    );
    assert_eq!(restored_journal[0].action, "STORE_RESTORED");
    assert!(there.audit_verify().unwrap().ok);
    assert_eq!(there.load_population().unwrap(), open(&d).load_population().unwrap());
    drop(there);
    let o = run(&other, OTHER_KEY, PASSPHRASE, &["audit", "verify", "--uai", UAI]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    // Back on the first PC, where the establishment exists: the preview, then nothing replaced.
    let o = run(&d, KEY, PASSPHRASE, &["restore", out]);
    fails_with(&o, "RESTORE_EXISTS");
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("Sauvegarde :") && said.contains("Sur ce poste :"), "{said}");
    let r = ok_json(&run(&d, KEY, PASSPHRASE, &["restore", out, "--replace", "--json"]));
    let kept = r["replaced_kept"].as_str().expect("the replaced store kept");
    assert!(Path::new(kept).exists(), "{kept}");
    assert!(open(&d).audit_verify().unwrap().ok);
}
