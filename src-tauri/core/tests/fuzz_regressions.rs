//! Inputs that once crashed, hung or exhausted memory in a fuzz target
//! (`fuzz/`, `cargo xtask fuzz`), kept under `tests/fixtures/fuzz/<target>/`
//! and replayed exactly as the target builds its input: each must end in
//! records or a `FormatError`, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

// The fuzz targets' own harness: how bytes become an `Input`, which reader runs.
#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

/// Every file kept under `tests/fixtures/fuzz/`, by its directory's name.
fn kept_inputs() -> Vec<(String, PathBuf)> {
    let root = fixtures();
    let dirs = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{} : dossier des entrées de fuzz introuvable ({e})", root.display()));
    let mut out = Vec::new();
    for dir in dirs {
        let dir = dir.expect("entrée").path();
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        assert!(dir.is_dir(), "tests/fixtures/fuzz/{name} : seuls des dossiers (un par cible) sont attendus ici");
        for file in std::fs::read_dir(&dir).expect("dossier lisible") {
            let file = file.expect("entrée").path();
            assert!(file.is_file(), "{} : un sous-dossier ne serait jamais rejoué", file.display());
            out.push((name.clone(), file));
        }
    }
    out.sort();
    out
}

#[test]
fn every_target_has_a_fixture_directory_name() {
    // A directory named after no target would silently never be replayed.
    for (name, _) in kept_inputs() {
        assert!(harness::target(&name).is_some(), "tests/fixtures/fuzz/{name} n'est le nom d'aucune cible");
    }
}

#[test]
fn kept_fuzz_inputs_end_without_panic() {
    let kept = kept_inputs();
    // An empty or missing folder would make this test pass on nothing.
    assert!(!kept.is_empty(), "aucune entrée de fuzz conservée sous {}", fixtures().display());
    let mut replayed = 0;
    let mut panics = Vec::new();
    for (target, file) in &kept {
        let Some(run) = harness::target(target) else { continue };
        let data = std::fs::read(file).expect("lecture");
        match catch_unwind(AssertUnwindSafe(|| run(&data))) {
            Ok(outcome) => println!("{target}/{}: {outcome:?}", file.file_name().unwrap_or_default().display()),
            Err(_) => panics.push(format!("{target}/{}", file.display())),
        }
        replayed += 1;
    }
    assert!(panics.is_empty(), "panique sur : {panics:?}");
    assert_eq!(replayed, kept.len(), "every kept input is replayed");
    println!("{replayed} entrées rejouées");
}

#[test]
fn harness_builds_the_inputs_it_says() {
    // Odd first byte: the rest, zipped; even: the bytes themselves.
    let doc = b"<?xml version=\"1.0\"?><STS_EDT></STS_EDT>";
    let plain = harness::xml_input("a.xml", "a.zip", doc);
    assert!(!plain.is_zip().expect("zip ?"));
    let zipped = harness::xml_input("a.xml", "a.zip", &[&[1u8][..], doc].concat());
    assert!(zipped.is_zip().expect("zip ?"));
    assert_eq!(zipped.zip_entries().expect("entrées").len(), 1);
    assert_eq!(harness::sts(doc), harness::sts(&[&[3u8][..], doc].concat()));
    // UDT: NUL-separated pieces become the entries of an archive.
    let udt = harness::udt_input(b"<UDCal_24/>\0<UDCal_00/>\0<semaines/>");
    let names: Vec<String> = udt.zip_entries().expect("entrées").into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["UDCal_24.xml", "UDCal_00.xml", "semaines.xml"]);
    assert!(!harness::udt_input(b"<UDCal_04/>").is_zip().expect("zip ?"));
}
